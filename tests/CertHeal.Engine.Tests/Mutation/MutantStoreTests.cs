using System.Security.Cryptography;
using System.Text;
using System.Diagnostics;
using CertHeal.Cli;
using Xunit.Abstractions;

namespace CertHeal.Tests.Mutation;

/// <summary>
/// Byte-level mutants of real stores (a copy of Debian's Java cacerts, a PEM bundle and a folder
/// made from the system's CA bundle by openssl) through `certheal confirm` and `merge`: every run
/// ends with exit 0, 1 or 2 and at most one line on stderr without stack frames, and the
/// originals stay untouched. Half of the JKS mutants are re-sealed with the known password so
/// the certificate parsers are reached, not only the integrity check. CERTHEAL_MUTANTS sets the
/// in-process count (CI default 400; the full size is 5000), a twentieth of it (at
/// least 20) also runs as real processes.
/// </summary>
[Trait("Category", "Heavy")]
public sealed class MutantStoreTests(ITestOutputHelper output)
{
    private const string Password = "changeit";
    private const string Cacerts = "/etc/ssl/certs/java/cacerts";
    private const string CaBundle = "/etc/ssl/certs/ca-certificates.crt";

    private static int InProcessCount =>
        int.TryParse(Environment.GetEnvironmentVariable("CERTHEAL_MUTANTS"), out var n) && n > 0 ? n : 400;

    private sealed record Mutant(string Kind, string Path, string[] Args);

    [SkippableFact]
    public async Task Mutated_stores_end_in_a_finding_or_one_error_line_never_a_crash()
    {
        Skip.IfNot(File.Exists(Cacerts), $"{Cacerts} is absent (Debian's ca-certificates-java makes it).");
        Skip.IfNot(File.Exists(CaBundle), $"{CaBundle} is absent (Debian's ca-certificates makes it).");
        var folder = Directory.CreateTempSubdirectory("certheal-mutants-").FullName;
        try
        {
            var originals = await Originals(folder);
            var before = originals.ToDictionary(p => p, Hash);
            var incoming = await IncomingCertificate(folder);
            var random = new Random(20_20);
            var decodesBefore = DecodeCounter.Keys + DecodeCounter.Extensions + DecodeCounter.Dates;
            var failures = new List<string>();
            var reached = 0;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < InProcessCount; i++)
            {
                var mutant = Make(random, folder, originals, incoming, i);
                var keysBefore = DecodeCounter.Keys;
                var stdout = new StringWriter();
                var stderr = new StringWriter();
                int code;
                try
                {
                    code = await CliApp.RunAsync(mutant.Args, TextReader.Null, stdout, stderr, default);
                }
                catch (Exception e)
                {
                    failures.Add($"{mutant.Kind} {string.Join(' ', mutant.Args)}: escaped {e.GetType().Name}: {e.Message}");
                    continue;
                }
                if (DecodeCounter.Keys > keysBefore)
                {
                    reached++;
                }
                if (Judge(code, stderr.ToString()) is { } problem)
                {
                    failures.Add($"{mutant.Kind} {string.Join(' ', mutant.Args)}: {problem}");
                }
                Delete(mutant.Path);
            }

            output.WriteLine($"{InProcessCount} in-process mutants in {clock.Elapsed.TotalSeconds:F1} s, {reached} reached key decoding.");
            clock.Restart();
            var processes = Math.Max(20, InProcessCount / 20);
            for (var i = 0; i < processes; i++)
            {
                var mutant = Make(random, folder, originals, incoming, InProcessCount + i);
                var (code, _, stderr) = await Tools.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "certheal.dll"), .. mutant.Args], stdin: "", timeoutSeconds: 120,
                    environment: new Dictionary<string, string> { ["CERTHEAL_LEDGER"] = Path.Combine(folder, "ledger.json") });
                if (Judge(code, stderr) is { } problem)
                {
                    failures.Add($"process {mutant.Kind} {string.Join(' ', mutant.Args)}: {problem}");
                }
                Delete(mutant.Path);
            }

            output.WriteLine($"{processes} mutants as processes in {clock.Elapsed.TotalSeconds:F1} s; {failures.Count} ended badly.");
            Assert.True(failures.Count == 0, $"{failures.Count} of {InProcessCount + processes} mutants ended badly:\n" + string.Join('\n', failures.Take(10)));
            foreach (var (path, hash) in before)
            {
                Assert.Equal(hash, Hash(path));
            }
            // At least two in five in-process mutants must have reached key decoding, else the
            // test proved only that integrity checks work.
            Assert.True(reached >= InProcessCount * 2 / 5, $"only {reached} of {InProcessCount} mutants reached key decoding.");
            Assert.True(DecodeCounter.Keys + DecodeCounter.Extensions + DecodeCounter.Dates > decodesBefore);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string? Judge(int code, string stderr)
    {
        if (code is not (CliApp.Success or CliApp.CheckFailed or CliApp.UsageError))
        {
            return $"exit {code}, stderr: {stderr}";
        }
        if (stderr.Contains("   at ", StringComparison.Ordinal))
        {
            return "stack frames on stderr: " + stderr;
        }
        if (stderr.TrimEnd().Split('\n').Length > 1)
        {
            return "more than one line on stderr: " + stderr;
        }
        return null;
    }

    /// <summary>The stores, made by the tools their consumers use: keytool for the JKS copy, openssl for the PEM bundle and folder.</summary>
    private static async Task<List<string>> Originals(string folder)
    {
        var jks = Path.Combine(folder, "cacerts.jks");
        File.Copy(Cacerts, jks);
        var pems = Encoding.ASCII.GetString(File.ReadAllBytes(CaBundle))
            .Split("-----END CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.Contains("-----BEGIN CERTIFICATE-----"))
            .Take(24)
            .Select(p => p[p.IndexOf("-----BEGIN", StringComparison.Ordinal)..] + "-----END CERTIFICATE-----\n")
            .ToList();
        var bundle = Path.Combine(folder, "bundle.pem");
        var dir = Directory.CreateDirectory(Path.Combine(folder, "certs")).FullName;
        var all = new StringBuilder();
        for (var i = 0; i < pems.Count; i++)
        {
            var source = Path.Combine(folder, $"in{i}.pem");
            await File.WriteAllTextAsync(source, pems[i]);
            var target = Path.Combine(dir, $"ca{i}.pem");
            await Tools.RunAsync("openssl", ["x509", "-in", source, "-out", target]);
            all.Append(await File.ReadAllTextAsync(target));
            File.Delete(source);
        }
        await File.WriteAllTextAsync(bundle, all.ToString());
        return [jks, bundle, dir];
    }

    private static async Task<string> IncomingCertificate(string folder)
    {
        var path = Path.Combine(folder, "incoming.pem");
        await Tools.RunAsync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", Path.Combine(folder, "incoming.key"), "-subj", "/CN=certheal mutant incoming", "-days", "30", "-out", path]);
        return path;
    }

    private static Mutant Make(Random random, string folder, List<string> originals, string incoming, int index)
    {
        var kind = index % 3;
        var verb = random.Next(2) == 0 ? "confirm" : "merge";
        string path;
        string[] store;
        switch (kind)
        {
            case 0:
            {
                var bytes = File.ReadAllBytes(originals[0]);
                var certificates = JksFile.Certificates(bytes);
                var (offset, length) = certificates[random.Next(certificates.Count)];
                Flip(random, bytes.AsSpan(offset, length));
                if (random.Next(2) == 0)
                {
                    JksFile.Reseal(bytes, Password);
                }
                path = Path.Combine(folder, $"m{index}.jks");
                File.WriteAllBytes(path, bytes);
                store = [path, "--password", Password];
                break;
            }
            case 1:
                path = Path.Combine(folder, $"m{index}.pem");
                File.WriteAllText(path, MutatePem(random, File.ReadAllText(originals[1])));
                store = [path];
                break;
            default:
            {
                path = Directory.CreateDirectory(Path.Combine(folder, $"m{index}")).FullName;
                var files = Directory.GetFiles(originals[2]);
                var victim = random.Next(files.Length);
                for (var i = 0; i < files.Length; i++)
                {
                    var text = File.ReadAllText(files[i]);
                    File.WriteAllText(Path.Combine(path, Path.GetFileName(files[i])), i == victim ? MutatePem(random, text) : text);
                }
                store = [path, "--format", "Directory"];
                break;
            }
        }
        string[] args = verb == "confirm"
            ? ["confirm", .. store]
            : ["merge", store[0], incoming, .. store[1..], "--policy", "TrustOnFirstUse", "--force"];
        return new Mutant(kind switch { 0 => "jks", 1 => "pem", _ => "folder" }, path, args);
    }

    /// <summary>Damages one certificate of a PEM text inside its dates, key or extensions, and keeps the PEM armour intact.</summary>
    private static string MutatePem(Random random, string pem)
    {
        var blocks = pem.Split("-----END CERTIFICATE-----\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        var i = random.Next(blocks.Count);
        var body = blocks[i][(blocks[i].IndexOf('\n') + 1)..];
        var der = Convert.FromBase64String(body.Replace("\n", ""));
        Flip(random, der);
        blocks[i] = "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks).Replace("\r", "") + "\n";
        return string.Concat(blocks.Select(b => b + "-----END CERTIFICATE-----\n"));
    }

    /// <summary>Flips one to four bits inside the certificate's dates, key or extensions.</summary>
    private static void Flip(Random random, Span<byte> certificate)
    {
        var regions = CertificateRegions.Find(certificate);
        var (offset, length) = regions[random.Next(regions.Count)];
        for (var n = random.Next(1, 5); n > 0; n--)
        {
            certificate[offset + random.Next(length)] ^= (byte)(1 << random.Next(8));
        }
    }

    private static void Delete(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
            File.Delete(path + ".bak");
        }
    }

    private static string Hash(string path) => Directory.Exists(path)
        ? string.Join(",", Directory.GetFiles(path).Order(StringComparer.Ordinal).Select(Hash))
        : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
