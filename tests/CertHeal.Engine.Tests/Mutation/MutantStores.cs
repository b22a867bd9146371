using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace CertHeal.Tests.Mutation;

/// <summary>
/// The stores the mutation tests damage, made in a scratch folder by the tools their consumers
/// use (a copy of Debian's Java cacerts, a PKCS#12 made by keytool, a PEM bundle and a folder
/// made by openssl from the system's CA bundle), and the mutants made from them: one to four
/// bits flipped inside a certificate's dates, key or extensions; half of the JKS and PKCS#12
/// mutants re-sealed with the known password so the parsers are reached. Shared (linked) by the
/// CLI test in CertHeal.Engine.Tests and the cmdlet test in CertHeal.PowerShell.Tests.
/// </summary>
internal sealed class MutantStores : IDisposable
{
    public const string Password = "changeit";
    public const string Cacerts = "/etc/ssl/certs/java/cacerts";
    public const string CaBundle = "/etc/ssl/certs/ca-certificates.crt";

    private readonly Dictionary<string, string> before;
    private readonly Pkcs12File p12;

    /// <summary>One mutant: its kind (jks, p12, pem, folder), its path, and whether it is read as a folder or with the password.</summary>
    public sealed record Mutant(string Kind, string Path, bool Resealed)
    {
        public bool IsFolder => Kind == "folder";
        public bool NeedsPassword => Kind is "jks" or "p12";
    }

    private MutantStores(string folder, List<string> originals, string incoming)
    {
        Folder = folder;
        Originals = originals;
        Incoming = incoming;
        before = originals.ToDictionary(p => p, Hash);
        p12 = new Pkcs12File(File.ReadAllBytes(originals[3]), Password);
    }

    public string Folder { get; }

    /// <summary>The JKS copy, the PEM bundle, the folder, the keytool PKCS#12.</summary>
    public List<string> Originals { get; }

    /// <summary>A self-signed certificate made by openssl, for merges.</summary>
    public string Incoming { get; }

    /// <summary>Why the stores cannot be made here, or null.</summary>
    public static string? Missing =>
        !File.Exists(Cacerts) ? $"{Cacerts} is absent (Debian's ca-certificates-java makes it)."
        : !File.Exists(CaBundle) ? $"{CaBundle} is absent (Debian's ca-certificates makes it)."
        : null;

    public static async Task<MutantStores> CreateAsync()
    {
        var folder = Directory.CreateTempSubdirectory("certheal-mutants-").FullName;
        try
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
                await RunAsync("openssl", "x509", "-in", source, "-out", target);
                all.Append(await File.ReadAllTextAsync(target));
                File.Delete(source);
            }
            await File.WriteAllTextAsync(bundle, all.ToString());
            var p12 = await KeytoolPkcs12(folder, pems);
            var incoming = Path.Combine(folder, "incoming.pem");
            await RunAsync("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", Path.Combine(folder, "incoming.key"), "-subj", "/CN=certheal mutant incoming", "-days", "30", "-out", incoming);
            return new MutantStores(folder, [jks, bundle, dir, p12], incoming);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// A PKCS#12 as keytool makes it by default (PBES2/AES certificate safe, HMAC-SHA256 MAC):
    /// six CA certificates imported as trusted entries and one key pair of its own.
    /// </summary>
    private static async Task<string> KeytoolPkcs12(string folder, List<string> pems)
    {
        var p12 = Path.Combine(folder, "keytool.p12");
        for (var i = 0; i < 6; i++)
        {
            var source = Path.Combine(folder, $"ca{i}.pem");
            await File.WriteAllTextAsync(source, pems[i * 3]);
            await RunAsync("keytool", "-importcert", "-noprompt", "-storetype", "PKCS12", "-keystore", p12, "-storepass", Password, "-alias", $"ca{i}", "-file", source);
            File.Delete(source);
        }
        await RunAsync("keytool", "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-alias", "own", "-dname", "CN=certheal mutant key",
            "-storetype", "PKCS12", "-keystore", p12, "-storepass", Password);
        return p12;
    }

    /// <summary>Mutant number <paramref name="index"/>: kinds take turns (jks, pem, folder, p12).</summary>
    public Mutant Make(Random random, int index)
    {
        var resealed = false;
        string path;
        string kind;
        switch (index % 4)
        {
            case 0:
            {
                kind = "jks";
                var bytes = File.ReadAllBytes(Originals[0]);
                var certificates = JksFile.Certificates(bytes);
                var (offset, length) = certificates[random.Next(certificates.Count)];
                Flip(random, bytes.AsSpan(offset, length));
                if (random.Next(2) == 0)
                {
                    JksFile.Reseal(bytes, Password);
                    resealed = true;
                }
                path = Path.Combine(Folder, $"m{index}.jks");
                File.WriteAllBytes(path, bytes);
                break;
            }
            case 1:
                kind = "pem";
                path = Path.Combine(Folder, $"m{index}.pem");
                File.WriteAllText(path, MutatePem(random, File.ReadAllText(Originals[1])));
                break;
            case 2:
            {
                kind = "folder";
                path = Directory.CreateDirectory(Path.Combine(Folder, $"m{index}")).FullName;
                var files = Directory.GetFiles(Originals[2]);
                var victim = random.Next(files.Length);
                for (var i = 0; i < files.Length; i++)
                {
                    var text = File.ReadAllText(files[i]);
                    File.WriteAllText(Path.Combine(path, Path.GetFileName(files[i])), i == victim ? MutatePem(random, text) : text);
                }
                break;
            }
            default:
            {
                kind = "p12";
                var bytes = p12.Mutate(random.Next(p12.Count), certificate => Flip(random, certificate));
                if (random.Next(2) == 0)
                {
                    p12.Reseal(bytes);
                    resealed = true;
                }
                path = Path.Combine(Folder, $"m{index}.p12");
                File.WriteAllBytes(path, bytes);
                break;
            }
        }
        return new Mutant(kind, path, resealed);
    }

    /// <summary>The stores the mutants were made from whose bytes changed (none, when all is well).</summary>
    public IEnumerable<string> ChangedOriginals() => before.Where(o => Hash(o.Key) != o.Value).Select(o => o.Key);

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
    public static void Flip(Random random, Span<byte> certificate)
    {
        var regions = CertificateRegions.Find(certificate);
        var (offset, length) = regions[random.Next(regions.Count)];
        for (var n = random.Next(1, 5); n > 0; n--)
        {
            certificate[offset + random.Next(length)] ^= (byte)(1 << random.Next(8));
        }
    }

    /// <summary>Removes a mutant and what a merge may have left beside it.</summary>
    public static void Delete(string path)
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

    private static async Task RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        }
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
