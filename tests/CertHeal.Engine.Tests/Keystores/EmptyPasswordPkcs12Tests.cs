using CertHeal.Cli;

namespace CertHeal.Tests.Keystores;

/// <summary>
/// pyca's no-password PKCS#12 vectors (MAC over the empty password, Debian's
/// python3-cryptography-vectors) open with --password '' as with no password, as
/// `openssl pkcs12 -passin pass:` opens them, and openssl still reads the merged copies.
/// </summary>
public sealed class EmptyPasswordPkcs12Tests
{
    private const string Vectors = "/usr/lib/python3/dist-packages/cryptography_vectors/pkcs12";

    public static TheoryData<string> Files() =>
        Directory.Exists(Vectors) ? new TheoryData<string>(Directory.GetFiles(Vectors, "*no-pwd*.p12").Select(Path.GetFileName)!) : new TheoryData<string>("(vectors absent)");

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public async Task A_no_password_vector_confirms_and_merges_with_an_empty_password_and_without_one(string name)
    {
        Skip.IfNot(Directory.Exists(Vectors), $"{Vectors} is absent; install python3-cryptography-vectors.");
        var folder = Directory.CreateTempSubdirectory("certheal-nopwd-").FullName;
        try
        {
            var incoming = Path.Combine(folder, "incoming.pem");
            await Tools.RunAsync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", Path.Combine(folder, "incoming.key"), "-subj", "/CN=certheal empty password", "-days", "30", "-out", incoming]);
            string[][] forms = [["--password", ""], []];
            foreach (var form in forms)
            {
                var store = Path.Combine(folder, $"{form.Length}-{name}");
                File.Copy(Path.Combine(Vectors, name), store);
                var stderr = new StringWriter();
                var stdout = new StringWriter();
                var confirm = await CliApp.RunAsync(["confirm", store, "--json", .. form], TextReader.Null, stdout, stderr, default);
                Assert.True(confirm is CliApp.Success or CliApp.CheckFailed, $"confirm {string.Join(' ', form)}: {stderr}");
                Assert.DoesNotContain("\"Integrity\"", stdout.ToString());

                stderr = new StringWriter();
                var merge = await CliApp.RunAsync(["merge", store, incoming, .. form, "--policy", "TrustOnFirstUse", "--force"], TextReader.Null, new StringWriter(), stderr, default);
                Assert.True(merge == CliApp.Success, $"merge {string.Join(' ', form)}: {stderr}");

                var (code, listed, error) = await Tools.RunAsync("openssl", ["pkcs12", "-in", store, "-passin", "pass:", "-nokeys"]);
                if (code != 0)
                {
                    (code, listed, error) = await Tools.RunAsync("openssl", ["pkcs12", "-legacy", "-in", store, "-passin", "pass:", "-nokeys"]);
                }
                Assert.True(code == 0, $"openssl pkcs12 after merge {string.Join(' ', form)}: {error}");
                Assert.Contains("certheal empty password", listed);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
