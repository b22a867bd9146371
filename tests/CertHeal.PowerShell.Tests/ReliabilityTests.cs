using System.Diagnostics;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// The reliability suite's hosted part (issue #14): cmdlets in 8 runspaces of one process
/// merging into one keystore, TrustOnFirstUse in a host that cannot prompt, and a known
/// password searched for in every stream, object and file name the cmdlets produce.
/// </summary>
public sealed class ReliabilityTests(PsLab lab) : IClassFixture<PsLab>
{
    private const string Password = "Ps-Rel1ability-Secret-7Q2";

    private static X509Certificate2[] Certificates(string tag, int count)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        return Enumerable.Range(0, count).Select(i =>
        {
            var request = new CertificateRequest($"CN=PS Reliability {tag} {i:D4}, O=CertHeal Lab", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var certificate = request.CreateSelfSigned(notBefore, notBefore.AddYears(2));
            return X509CertificateLoader.LoadCertificate(certificate.RawData);
        }).ToArray();
    }

    /// <summary>SHA-256 of every entry as keytool (JKS, PKCS#12) or .NET's PEM reader sees the file.</summary>
    private static async Task<List<string>> Fingerprints(string path)
    {
        if (path.EndsWith(".pem", StringComparison.Ordinal))
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(path);
            return collection.Select(PsLab.Sha256).Order(StringComparer.Ordinal).ToList();
        }
        var info = new ProcessStartInfo("keytool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-list", "-keystore", path, "-storepass", Password })
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"keytool could not open {path}");
        return (await stdout).Split('\n').Where(l => l.Contains("(SHA-256):", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("):", StringComparison.Ordinal) + 2)..].Trim().Replace(":", "", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
    }

    [Theory]
    [InlineData("shared.pem")]
    [InlineData("shared.p12")]
    [InlineData("shared.jks")]
    public async Task Merge_Keystore_in_8_runspaces_at_once_puts_all_200_certificates_in_once(string name)
    {
        const int Runspaces = 8, PerRunspace = 25;
        var path = Path.Combine(lab.NewFolder(), name);
        var all = Certificates("runspaces-" + name, Runspaces * PerRunspace);
        var sessions = Enumerable.Range(0, Runspaces).Select(_ => PsSession.NoUi()).ToList();
        try
        {
            var results = await Task.WhenAll(sessions.Select((ps, i) => Task.Run(() => ps.Run(
                "param($Path, $Certificate, $Password) Merge-Keystore -Path $Path -Certificate $Certificate -Password $Password -TrustPolicy TrustOnFirstUse -Force",
                new() { ["Path"] = path, ["Certificate"] = all.Skip(i * PerRunspace).Take(PerRunspace).ToArray(), ["Password"] = Secrets.Of(Password) }))));

            foreach (var result in results)
            {
                result.AssertNoErrors();
                Assert.Equal(PerRunspace, result.Single().Value<int>("Added"));
            }
            Assert.Equal(all.Select(PsLab.Sha256).Order(StringComparer.Ordinal), await Fingerprints(path));
        }
        finally
        {
            sessions.ForEach(s => s.Dispose());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrustOnFirstUse_without_Force_in_a_host_that_cannot_prompt_writes_nothing(bool nonInteractive)
    {
        var (result, path, root) = TrustOnFirstUseWithoutConsent(nonInteractive);

        Assert.Null(result.Terminating);
        var error = Assert.Single(result.Errors);
        Assert.Contains(PsLab.Sha256(root), error.ToString().Replace(":", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(path) && new FileInfo(path).Length > 0, "TrustOnFirstUse wrote without consent");
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.bak"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TrustOnFirstUse_without_Force_in_a_host_that_cannot_prompt_is_a_TrustRefused_error(bool nonInteractive)
    {
        var (result, _, root) = TrustOnFirstUseWithoutConsent(nonInteractive);

        var refused = result.Error("CertHeal.TrustRefused");
        Assert.Contains(PsLab.Sha256(root), refused.ToString().Replace(":", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
    }

    private (PsResult Result, string Path, X509Certificate2 Root) TrustOnFirstUseWithoutConsent(bool nonInteractive)
    {
        var path = Path.Combine(lab.NewFolder(), "tofu.pem");
        var root = Certificates("tofu", 1)[0];
        using var ps = nonInteractive ? PsSession.WithHost(new ScriptedHost { NonInteractive = true }) : PsSession.NoUi();
        var result = ps.Run("param($Path, $Certificate) Merge-Keystore -Path $Path -Certificate $Certificate -TrustPolicy TrustOnFirstUse",
            new() { ["Path"] = path, ["Certificate"] = root });
        return (result, path, root);
    }

    /// <summary>Every cmdlet path that takes a password, with -Verbose and -Debug, succeeding and failing on purpose.</summary>
    [Fact]
    public void The_password_appears_in_no_output_object_error_stream_or_file_name()
    {
        var folder = lab.NewFolder();
        var certificates = Certificates("secrets", 3);
        var jks = Path.Combine(folder, "secret.jks");
        var p12 = Path.Combine(folder, "secret.p12");
        var corrupt = Path.Combine(folder, "corrupt.p12");
        var collected = new List<string>();
        using var ps = PsSession.WithHost(new ScriptedHost { NonInteractive = true });
        var runs = new (string Script, Dictionary<string, object?> Parameters)[]
        {
            ("param($Path, $Certificate, $Password) Merge-Keystore -Path $Path -Certificate $Certificate -Password $Password -TrustPolicy TrustOnFirstUse -Force -Verbose -Debug",
                new() { ["Path"] = jks, ["Certificate"] = certificates[..2], ["Password"] = Secrets.Of(Password) }),
            ("param($Path, $Certificate, $Password) Merge-Keystore -Path $Path -Certificate $Certificate -Password $Password -TrustPolicy TrustOnFirstUse -Force -Verbose -Debug",
                new() { ["Path"] = jks, ["Certificate"] = certificates[2..], ["Password"] = Secrets.Of(Password) }),
            ("param($Path, $Certificate, $Credential) Merge-Keystore -Path $Path -Certificate $Certificate -Credential $Credential -TrustPolicy TrustOnFirstUse -Force -Verbose -Debug",
                new() { ["Path"] = p12, ["Certificate"] = certificates, ["Credential"] = Secrets.Credential(Password) }),
            ("param($Path, $Password) Confirm-Keystore -Path $Path -Password $Password -Verbose -Debug",
                new() { ["Path"] = jks, ["Password"] = Secrets.Of(Password) }),
            // Errors on purpose: the right password on a corrupt file, a wrong password that contains the right one.
            ("param($Path, $Certificate, $Password) Merge-Keystore -Path $Path -Certificate $Certificate -Password $Password -TrustPolicy TrustOnFirstUse -Force -Verbose -Debug",
                new() { ["Path"] = corrupt, ["Certificate"] = certificates[0], ["Password"] = Secrets.Of(Password) }),
            ("param($Path, $Certificate, $Password) Merge-Keystore -Path $Path -Certificate $Certificate -Password $Password -TrustPolicy TrustOnFirstUse -Force -Verbose -Debug",
                new() { ["Path"] = jks, ["Certificate"] = Certificates("secrets-wrong", 1)[0], ["Password"] = Secrets.Of(Password + "-wrong") }),
            ("param($Path, $Password) Confirm-Keystore -Path $Path -Password $Password -Verbose -Debug",
                new() { ["Path"] = p12, ["Password"] = Secrets.Of("x" + Password) }),
        };
        var errorIds = new List<string>();
        foreach (var (script, parameters) in runs)
        {
            if (parameters["Path"] as string == corrupt)
            {
                File.WriteAllBytes(corrupt, [0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03, 0x30, 0x00]);
            }
            var result = ps.Run(script, parameters);
            errorIds.AddRange(result.ErrorIds);
            collected.AddRange(result.Output.Select(o => PSSerializer.Serialize(o, depth: 4)));
            collected.AddRange(result.AllErrors.Select(e => PSSerializer.Serialize(e, depth: 4) + e.Exception + e.ErrorDetails?.Message));
            collected.AddRange(result.Verbose.Select(v => v.Message));
            collected.AddRange(result.Debug.Select(d => d.Message));
            collected.AddRange(result.Warnings.Select(w => w.Message));
            collected.AddRange(result.Information.Select(i => i.MessageData?.ToString() ?? ""));
        }
        collected.Add(ps.Host!.Text);
        collected.AddRange(ps.Host.Verbose.Concat(ps.Host.Debug).Concat(ps.Host.Errors));
        collected.AddRange(Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories));

        Assert.True(errorIds.Count >= 2 && errorIds.Contains("CertHeal.KeystorePassword"), $"the failing runs produced: {string.Join(", ", errorIds)}");
        Assert.True(collected.Count > 10, "nothing was collected to search");
        Assert.True(File.Exists(jks + ".bak"), "the second merge should have kept a .bak");
        Assert.DoesNotContain(collected, text => text.Contains(Password, StringComparison.Ordinal));
    }
}
