using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertHeal.Tests.Differential;

/// <summary>What one real client concluded about one chain.</summary>
internal sealed record OracleVerdict(bool Accepts, string Detail);

/// <summary>
/// The independent judges of the differential tests, each the real client or the client's own
/// library, never CertHeal's code: openssl verify as curl configures it, the JDK's trust manager,
/// and SslStream's default validation in a process of its own.
/// </summary>
internal static class ChainOracles
{
    /// <summary>Writes each case to a folder of its own (leaf.pem, untrusted.pem, chain.pem, anchors.pem, leaf.pfx, leaf.key) and a manifest for the batch oracles.</summary>
    public static string Write(IReadOnlyList<ChainCase> cases, string root)
    {
        var manifest = new StringBuilder();
        for (var i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            var folder = Folder(root, i);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "leaf.pem"), Pem(c.Presented[0]));
            File.WriteAllText(Path.Combine(folder, "untrusted.pem"), string.Concat(c.Presented.Skip(1).Select(Pem)));
            File.WriteAllText(Path.Combine(folder, "chain.pem"), string.Concat(c.Presented.Select(Pem)));
            File.WriteAllText(Path.Combine(folder, "anchors.pem"), string.Concat(c.Anchors.Select(Pem)));
            File.WriteAllBytes(Path.Combine(folder, "leaf.pfx"), c.Presented[0].Export(X509ContentType.Pfx, ""));
            File.WriteAllText(Path.Combine(folder, "leaf.key"),
                (c.Presented[0].GetECDsaPrivateKey() as System.Security.Cryptography.AsymmetricAlgorithm ?? c.Presented[0].GetRSAPrivateKey()!).ExportPkcs8PrivateKeyPem() + "\n");
            manifest.Append(c.Name).Append('\t').Append(c.Host).Append('\t').Append(folder).Append(c.ClientCertificate ? "\tclient" : "").Append('\n');
        }
        var path = Path.Combine(root, "manifest.tsv");
        File.WriteAllText(path, manifest.ToString());
        return path;
    }

    public static string Folder(string root, int index) => Path.Combine(root, $"case{index:000}");

    /// <summary>
    /// curl's verification as `openssl verify` states it: the sslserver purpose (EKU and key
    /// usage of the leaf, EKU of the CAs), the host or IP check, authentication security level 2
    /// (what curl gets from Debian's OpenSSL default, rejecting SHA-1 and keys below 2048 bits),
    /// and -partial_chain when the CA file holds certificates that are not roots (curl sets
    /// X509_V_FLAG_PARTIAL_CHAIN by default since 7.68).
    /// </summary>
    public static async Task<OracleVerdict[]> OpenSslAsync(IReadOnlyList<ChainCase> cases, string root)
    {
        var results = new OracleVerdict[cases.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, cases.Count), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, _) =>
        {
            var c = cases[i];
            var folder = Folder(root, i);
            List<string> args = ["verify", "-purpose", c.ClientCertificate ? "sslclient" : "sslserver", "-auth_level", "2", "-CAfile", Path.Combine(folder, "anchors.pem")];
            if (c.Presented.Count > 1)
            {
                args.AddRange(["-untrusted", Path.Combine(folder, "untrusted.pem")]);
            }
            if (c.HasNonRootAnchor)
            {
                args.Add("-partial_chain");
            }
            if (!c.ClientCertificate)
            {
                args.AddRange(c.HostIsIp ? ["-verify_ip", c.Host] : ["-verify_hostname", c.Host]);
            }
            args.Add(Path.Combine(folder, "leaf.pem"));
            var (code, stdout, stderr) = await Tools.RunAsync("openssl", args, timeoutSeconds: 30);
            results[i] = new OracleVerdict(code == 0 && stdout.Contains(": OK", StringComparison.Ordinal),
                (stderr + " " + stdout).ReplaceLineEndings(" ").Trim());
        });
        return results;
    }

    /// <summary>The JDK's default trust manager (ChainOracle.java, one JVM for every case).</summary>
    public static async Task<OracleVerdict[]> JavaAsync(IReadOnlyList<ChainCase> cases, string manifest)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Differential", "ChainOracle.java");
        var (code, stdout, stderr) = await Tools.RunAsync("java", [source, manifest], timeoutSeconds: 300);
        Assert.True(code == 0, $"the Java oracle failed: {stderr}");
        return Parse(cases, stdout, "Java");
    }

    /// <summary>
    /// SslStream's default validation in a separate process (tests/CertHeal.DotNetOracle). Its
    /// loopback server loads the lab leaf, which OpenSSL's default security level refuses for a
    /// 1024-bit key on the serving side: the process runs at level 0, which only the server's own
    /// key check consults (SslStream's client accepts whatever its managed validation accepts).
    /// </summary>
    public static async Task<OracleVerdict[]> DotNetAsync(IReadOnlyList<ChainCase> cases, string manifest, string work)
    {
        var oracle = Path.Combine(AppContext.BaseDirectory, "CertHeal.DotNetOracle.dll");
        var config = Path.Combine(work, "openssl-level0.cnf");
        File.WriteAllText(config, "openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = level0\n[level0]\nCipherString = DEFAULT:@SECLEVEL=0\n");
        var home = Directory.CreateDirectory(Path.Combine(work, "dotnet-home")).FullName;
        var (code, stdout, stderr) = await Tools.RunAsync("dotnet", [oracle, manifest], timeoutSeconds: 600,
            environment: new Dictionary<string, string> { ["OPENSSL_CONF"] = config, ["HOME"] = home, ["DOTNET_CLI_HOME"] = home });
        Assert.True(code == 0, $"the .NET oracle failed: {stderr}");
        return Parse(cases, stdout, ".NET");
    }

    private static OracleVerdict[] Parse(IReadOnlyList<ChainCase> cases, string stdout, string oracle)
    {
        var byName = new ConcurrentDictionary<string, OracleVerdict>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\t');
            if (parts.Length >= 2)
            {
                byName[parts[0]] = new OracleVerdict(parts[1] == "OK", parts.Length > 2 ? parts[2] : "");
            }
        }
        return cases.Select(c => byName.TryGetValue(c.Name, out var v) ? v : throw new InvalidOperationException($"the {oracle} oracle printed nothing for {c.Name}")).ToArray();
    }

    private static string Pem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";
}
