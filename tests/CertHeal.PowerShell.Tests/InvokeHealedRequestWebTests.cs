using System.Text;
using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// What people reach for in Invoke-RestMethod, on Invoke-HealedRequest, against the lab's HTTPS API
/// (good chain, so no heal runs): -OutFile/-PassThru, -ResponseHeadersVariable/-StatusCodeVariable,
/// -AsObject (ConvertFrom-Json semantics), HTTP errors with and without -SkipHttpErrorCheck,
/// -Credential/-Authentication/-Token and the http:// refusal, -UserAgent, -KeystorePassword.
/// Secrets are made in the script with the real ConvertTo-SecureString, as users make them.
/// </summary>
public sealed class InvokeHealedRequestWebTests(PsLab lab) : IClassFixture<PsLab>
{
    private const string Request = "Invoke-HealedRequest -Keystore $Keystore -TimeoutSec 20";

    private static LabHttpServer.Route Text(string body, string contentType = "text/plain", string status = "200 OK", Dictionary<string, string>? headers = null) =>
        new(Encoding.UTF8.GetBytes(body), contentType, Status: status, Headers: headers);

    private (LabHttpServer Api, string Keystore) Api()
    {
        var api = lab.Lab.StartHttpsApi();
        return (api, lab.TrustedRootPem);
    }

    [Fact]
    public void OutFile_writes_the_body_through_the_provider_and_emits_nothing_unless_PassThru()
    {
        var (api, keystore) = Api();
        api.Map("report.csv", Text("a,b\n1,2\n", "text/csv"));
        var folder = lab.NewFolder();
        using var ps = PsSession.NoUi();
        ps.SetLocation(folder);

        var quiet = ps.Run($"param($Uri, $Keystore) {Request} $Uri -OutFile ./quiet.csv", new() { ["Uri"] = api.Url("report.csv"), ["Keystore"] = keystore });
        var passThru = ps.Run($"param($Uri, $Keystore) {Request} $Uri -OutFile loud.csv -PassThru", new() { ["Uri"] = api.Url("report.csv"), ["Keystore"] = keystore });
        var intoFolder = ps.Run($"param($Uri, $Keystore, $Folder) {Request} $Uri -OutFile $Folder; Import-Csv (Join-Path $Folder report.csv)",
            new() { ["Uri"] = api.Url("report.csv"), ["Keystore"] = keystore, ["Folder"] = folder });

        quiet.AssertNoErrors();
        Assert.Empty(quiet.Output);
        Assert.Equal("a,b\n1,2\n", File.ReadAllText(Path.Combine(folder, "quiet.csv")));
        passThru.AssertNoErrors();
        Assert.Equal(Path.Combine(folder, "loud.csv"), passThru.Single().Value<string>("OutFile"));
        Assert.Equal(200, passThru.Single().Value<int>("StatusCode"));
        Assert.True(File.Exists(Path.Combine(folder, "loud.csv")));
        intoFolder.AssertNoErrors();
        Assert.Equal("2", intoFolder.Single().Value<string>("b"));
        var notAFile = ps.Run($"param($Uri, $Keystore) {Request} $Uri -OutFile Env:/CERTHEAL_BODY", new() { ["Uri"] = api.Url("report.csv"), ["Keystore"] = keystore });
        Assert.Equal(["CertHeal.OutFileFailed"], notAFile.ErrorIds);
        Assert.Equal(3, api.Hits("report.csv"));
    }

    [Fact]
    public void ResponseHeadersVariable_and_StatusCodeVariable_are_set_in_the_callers_scope()
    {
        var (api, keystore) = Api();
        api.Map("headers", Text("ok", headers: new() { ["X-Request-Id"] = "lab-42", ["ETag"] = "\"v1\"" }));
        using var ps = PsSession.NoUi();

        var result = ps.Run($$"""
            param($Uri, $Keystore)
            $null = {{Request}} $Uri -ResponseHeadersVariable headers -StatusCodeVariable status
            [pscustomobject]@{ Id = $headers['x-request-id']; ETag = $headers.ETag; Type = $headers['Content-Type']; Status = $status }
            """, new() { ["Uri"] = api.Url("headers"), ["Keystore"] = keystore });

        result.AssertNoErrors();
        var output = result.Single();
        Assert.Equal("lab-42", output.Value<string>("Id"));
        Assert.Equal("\"v1\"", output.Value<string>("ETag"));
        Assert.Equal("text/plain", output.Value<string>("Type"));
        Assert.Equal(200, output.Value<int>("Status"));
    }

    [Fact]
    public void AsObject_parses_json_as_ConvertFrom_Json_does_and_enumerates_arrays()
    {
        var (api, keystore) = Api();
        const string Items = """[{"name":"a","n":1,"tags":["x","y"]},{"name":"b","n":2.5,"big":123456789012345678901234567890,"none":null,"ok":true}]""";
        api.Map("items", Text(Items, "application/json; charset=utf-8"));
        api.Map("problem", Text("""{"title":"nope","status":409}""", "application/problem+json"));
        api.Map("text", Text("just text"));
        api.Map("broken", Text("{not json", "application/json"));
        using var ps = PsSession.NoUi();

        var result = ps.Run($$"""
            param($Uri, $Keystore, $Json)
            $items = @({{Request}} "$Uri/items" -AsObject)
            $expected = $Json | ConvertFrom-Json
            [pscustomobject]@{
                Count = $items.Count
                AllCustom = @($items | Where-Object { $_ -is [pscustomobject] }).Count
                Same = ($items | ConvertTo-Json -Compress -Depth 5) -eq ($expected | ConvertTo-Json -Compress -Depth 5)
                Types = '{0},{1},{2},{3}' -f $items[0].n.GetType().Name, $items[1].n.GetType().Name, $items[1].big.GetType().Name, $items[1].ok.GetType().Name
                Tags = $items[0].tags -join '+'
                Problem = ({{Request}} "$Uri/problem" -AsObject).title
                Text = {{Request}} "$Uri/text" -AsObject
                Broken = {{Request}} "$Uri/broken" -AsObject
            }
            """, new() { ["Uri"] = api.Url("").TrimEnd('/'), ["Keystore"] = keystore, ["Json"] = Items });

        result.AssertNoErrors();
        var output = result.Single();
        Assert.Equal(2, output.Value<int>("Count"));
        Assert.Equal(2, output.Value<int>("AllCustom"));
        Assert.True(output.Value<bool>("Same"), "-AsObject differs from ConvertFrom-Json");
        Assert.Equal("Int64,Double,BigInteger,Boolean", output.Value<string>("Types"));
        Assert.Equal("x+y", output.Value<string>("Tags"));
        Assert.Equal("nope", output.Value<string>("Problem"));
        Assert.Equal("just text", output.Value<string>("Text"));
        Assert.Equal("{not json", output.Value<string>("Broken"));
    }

    [Fact]
    public void An_HTTP_error_is_a_non_terminating_WebCmdletWebResponseException_and_SkipHttpErrorCheck_returns_it()
    {
        var (api, keystore) = Api();
        api.Map("boom", Text("""{"error":"server on fire"}""", "application/json", "500 Internal Server Error"));
        api.Map("fine", Text("fine"));
        var folder = lab.NewFolder();
        using var ps = PsSession.NoUi();

        var errors = ps.Run($"param($Uris, $Keystore, $Out) $Uris | {Request} -OutFile $Out -PassThru",
            new() { ["Uris"] = new[] { api.Url("missing"), api.Url("boom"), api.Url("fine") }, ["Keystore"] = keystore, ["Out"] = Path.Combine(folder, "errors.txt") });
        var skipped = ps.Run($"param($Uris, $Keystore) $Uris | {Request} -SkipHttpErrorCheck | ForEach-Object StatusCode",
            new() { ["Uris"] = new[] { api.Url("missing"), api.Url("boom") }, ["Keystore"] = keystore });
        var stop = ps.Run($"param($Uri, $Keystore) try {{ {Request} $Uri -ErrorAction Stop }} catch {{ $_.FullyQualifiedErrorId; $_.TargetObject.StatusCode }}",
            new() { ["Uri"] = api.Url("boom"), ["Keystore"] = keystore });

        Assert.Null(errors.Terminating);
        Assert.Equal(["WebCmdletWebResponseException", "WebCmdletWebResponseException"], errors.ErrorIds);
        Assert.Contains("404", errors.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal("""{"error":"server on fire"}""", errors.Errors[1].ErrorDetails?.Message);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidOperation, errors.Errors[1].CategoryInfo.Category);
        Assert.Equal("fine", File.ReadAllText(Path.Combine(folder, "errors.txt")));
        Assert.Equal(200, errors.Single().Value<int>("StatusCode"));
        skipped.AssertNoErrors();
        Assert.Equal([404, 500], skipped.Output.Select(o => (int)o.BaseObject));
        Assert.Equal("WebCmdletWebResponseException,CertHeal.Commands.InvokeHealedRequestCommand", stop.Output[0].BaseObject);
        Assert.Equal(500, (int)stop.Output[1].BaseObject);
    }

    [Fact]
    public void Basic_credentials_reach_the_server_up_front_or_on_a_challenge()
    {
        var (api, keystore) = Api();
        api.Map("basic", Text("ok"));
        api.Map("challenge", Text("who are you", status: "401 Unauthorized", headers: new() { ["WWW-Authenticate"] = "Basic realm=\"lab\"" }));
        using var ps = PsSession.NoUi();

        var result = ps.Run($$"""
            param($Uri, $Keystore)
            $credential = [pscredential]::new('alice', (ConvertTo-SecureString 'pa55:word' -AsPlainText -Force))
            ({{Request}} "$Uri/basic" -Credential $credential -Authentication Basic).StatusCode
            ({{Request}} "$Uri/challenge" -Credential $credential -SkipHttpErrorCheck).StatusCode
            """, new() { ["Uri"] = api.Url("").TrimEnd('/'), ["Keystore"] = keystore });

        result.AssertNoErrors();
        Assert.Equal([200, 401], result.Output.Select(o => (int)o.BaseObject));
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:pa55:word"));
        Assert.Equal(expected, api.LastRequestHeaders("basic")?["Authorization"]);
        Assert.Equal(expected, api.LastRequestHeaders("challenge")?["Authorization"]);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("OAuth")]
    public void Token_is_sent_as_a_bearer_token(string authentication)
    {
        var (api, keystore) = Api();
        var path = "token-" + authentication;
        api.Map(path, Text("ok"));
        using var ps = PsSession.NoUi();

        var result = ps.Run($"param($Uri, $Keystore, $Kind) {Request} $Uri -Authentication $Kind -Token (ConvertTo-SecureString 's3cr3t.t0ken' -AsPlainText -Force)",
            new() { ["Uri"] = api.Url(path), ["Keystore"] = keystore, ["Kind"] = authentication });

        result.AssertNoErrors();
        Assert.Equal("Bearer s3cr3t.t0ken", api.LastRequestHeaders(path)?["Authorization"]);
    }

    [Fact]
    public async Task Missing_or_conflicting_secrets_and_secrets_over_http_are_refused_before_anything_is_sent()
    {
        var (api, keystore) = Api();
        api.Map("never", Text("ok"));
        await using var plain = new LabHttpServer();
        plain.Map("plain", new LabHttpServer.Route(Encoding.UTF8.GetBytes("ok"), "text/plain"));
        using var ps = PsSession.NoUi();
        string Refusal(string arguments, string uri) => ps.Run($$"""
            param($Uri, $Keystore)
            $credential = [pscredential]::new('alice', (ConvertTo-SecureString 'pw' -AsPlainText -Force))
            $token = ConvertTo-SecureString 't' -AsPlainText -Force
            {{Request}} $Uri {{arguments}}
            """, new() { ["Uri"] = uri, ["Keystore"] = keystore }).ErrorIds.Single();
        var unencrypted = ps.Run($$"""
            param($Uri, $Keystore)
            $credential = [pscredential]::new('alice', (ConvertTo-SecureString 'pw' -AsPlainText -Force))
            {{Request}} $Uri -Credential $credential
            """, new() { ["Uri"] = plain.Url("plain"), ["Keystore"] = keystore }).AllErrors.Single();
        Assert.Contains("reissue the command with -AllowUnencryptedAuthentication", unencrypted.ToString());

        Assert.Equal("WebCmdletAuthenticationCredentialNotSuppliedException", Refusal("-Authentication Basic", api.Url("never")));
        Assert.Equal("WebCmdletAuthenticationTokenNotSuppliedException", Refusal("-Authentication Bearer -Credential $credential", api.Url("never")));
        Assert.Equal("WebCmdletAuthenticationTokenConflictException", Refusal("-Authentication Bearer -Token $token -Credential $credential", api.Url("never")));
        Assert.Equal("WebCmdletAuthenticationTokenWithoutAuthenticationException", Refusal("-Token $token", api.Url("never")));
        Assert.Equal("WebCmdletAllowUnencryptedAuthenticationRequiredException", Refusal("-Credential $credential -Authentication Basic", plain.Url("plain")));
        Assert.Equal("WebCmdletAllowUnencryptedAuthenticationRequiredException", Refusal("-Credential $credential", plain.Url("plain")));
        Assert.Equal(0, api.Hits("never"));
        Assert.Equal(0, plain.Hits("plain"));

        var allowed = ps.Run($$"""
            param($Uri, $Keystore)
            $credential = [pscredential]::new('alice', (ConvertTo-SecureString 'pw' -AsPlainText -Force))
            {{Request}} $Uri -Credential $credential -Authentication Basic -AllowUnencryptedAuthentication
            """, new() { ["Uri"] = plain.Url("plain"), ["Keystore"] = keystore });
        allowed.AssertNoErrors();
        Assert.StartsWith("Basic ", plain.LastRequestHeaders("plain")?["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public void UserAgent_is_the_User_Agent_header()
    {
        var (api, keystore) = Api();
        api.Map("ua", Text("ok"));
        using var ps = PsSession.NoUi();

        var result = ps.Run($"param($Uri, $Keystore) {Request} $Uri -UserAgent 'CertHealTests/1.0 (lab)'", new() { ["Uri"] = api.Url("ua"), ["Keystore"] = keystore });

        result.AssertNoErrors();
        Assert.Equal("CertHealTests/1.0 (lab)", api.LastRequestHeaders("ua")?["User-Agent"]);
    }

    [Fact]
    public void KeystorePassword_keeps_Password_as_an_alias_and_KeystoreCredential_binds()
    {
        var (api, keystore) = Api();
        api.Map("ks", Text("ok"));
        using var ps = PsSession.NoUi();

        var result = ps.Run($$"""
            param($Uri, $Keystore)
            $parameters = (Get-Command Invoke-HealedRequest).Parameters
            $parameters['KeystorePassword'].Aliases -contains 'Password'
            $parameters['KeystoreCredential'].ParameterType.Name
            $pw = ConvertTo-SecureString 'changeit' -AsPlainText -Force
            ({{Request}} $Uri -Password $pw).StatusCode
            ({{Request}} $Uri -KeystorePassword $pw).StatusCode
            ({{Request}} $Uri -KeystoreCredential ([pscredential]::new('keystore', $pw))).StatusCode
            """, new() { ["Uri"] = api.Url("ks"), ["Keystore"] = keystore });

        result.AssertNoErrors();
        Assert.Equal<object>([true, "PSCredential", 200, 200, 200], result.Output.Select(o => o.BaseObject).ToArray());
    }

    [Fact]
    public void The_Pester_files_HTTP_server_serves_the_request_cmdlet_and_catch_by_exception_type_works()
    {
        using var ps = PsSession.NoUi();

        var result = ps.Run("""
            param($Helpers, $Keystore)
            . $Helpers
            $server = Start-TestHttpServer -Routes @{
                '/data.json' = @{ ContentType = 'application/json'; Body = '[{"n":1},{"n":2}]'; Headers = @{ 'X-Request-Id' = 'pester-1' } }
                '/boom' = @{ Status = 500; ContentType = 'application/json'; Body = '{"error":"on fire"}' }
            }
            try {
                $items = @(Invoke-HealedRequest "$($server.Url)/data.json" -Keystore $Keystore -AsObject -UserAgent 'Pester/5' -ResponseHeadersVariable headers)
                $caught = try {
                    Invoke-HealedRequest "$($server.Url)/boom" -Keystore $Keystore -ErrorAction Stop
                } catch [System.Net.Http.HttpRequestException] {
                    "HTTP $($_.TargetObject.StatusCode): $($_.ErrorDetails.Message)"
                }
                [pscustomobject]@{ Count = $items.Count; Agent = (Get-TestHttpRequest $server '/data.json')['User-Agent']; Id = $headers['X-Request-Id']; Caught = $caught }
            } finally {
                Stop-TestHttpServer $server
            }
            """, new() { ["Helpers"] = Path.Combine(ShippedModule.RepoRoot, "tests", "TestHelpers.ps1"), ["Keystore"] = lab.TrustedRootPem });

        result.AssertNoErrors();
        var output = result.Single();
        Assert.Equal(2, output.Value<int>("Count"));
        Assert.Equal("Pester/5", output.Value<string>("Agent"));
        Assert.Equal("pester-1", output.Value<string>("Id"));
        Assert.Equal("""HTTP 500: {"error":"on fire"}""", output.Value<string>("Caught"));
    }
}
