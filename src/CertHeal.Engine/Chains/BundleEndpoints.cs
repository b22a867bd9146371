using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using CertHeal.Handshake;

namespace CertHeal.Chains;

/// <summary>
/// Endpoints travel with the certificates: an exported bundle names the endpoint(s) it was
/// collected from in comment lines before its blocks, so a later merge of the file validates the
/// candidate store against those servers before it writes (as a piped ChainCertificate's Target
/// does). Comment lines outside BEGIN/END blocks are ignored by openssl, keytool and curl, so the
/// file stays a plain PEM bundle. The certificates read from such a file remember their endpoints
/// (<see cref="Of"/>), which is how the file path reaches Merge-Keystore through its argument
/// transformation without a new parameter.
/// </summary>
public static partial class BundleEndpoints
{
    private const string Prefix = "# certheal-endpoint: ";

    private static readonly ConditionalWeakTable<X509Certificate2, IReadOnlyList<TlsTarget>> Origins = new();

    [GeneratedRegex(@"^# certheal-endpoint: (?<target>\S+)(?: \(server name (?<sni>[^\s)]+)\))?\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex Line();

    /// <summary>The comment lines naming each distinct endpoint of <paramref name="certificates"/>.</summary>
    public static string Comment(IEnumerable<ChainCertificate> certificates)
    {
        var text = new StringBuilder();
        foreach (var (target, serverName) in certificates.Where(c => c.Target.Length > 0).Select(c => (c.Target, c.ServerName)).Distinct())
        {
            text.Append(Prefix).Append(target);
            if (serverName is { Length: > 0 } && TlsTarget.TryParse(target, null, null, out var parsed, out _) && parsed.ServerName != serverName)
            {
                text.Append(" (server name ").Append(serverName).Append(')');
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The endpoints a bundle's comment lines name; lines that do not parse are ignored (the file is still a bundle).</summary>
    public static IReadOnlyList<TlsTarget> Read(string text)
    {
        var targets = new List<TlsTarget>();
        foreach (Match match in Line().Matches(text))
        {
            var sni = match.Groups["sni"].Success ? match.Groups["sni"].Value : null;
            if (TlsTarget.TryParse(match.Groups["target"].Value, null, sni, out var target, out _)
                && !targets.Any(t => t.Display == target.Display && t.ServerName == target.ServerName))
            {
                targets.Add(target);
            }
        }
        return targets;
    }

    /// <summary>Remembers that these certificates came from a bundle naming <paramref name="endpoints"/>.</summary>
    internal static void Remember(IEnumerable<X509Certificate2> certificates, IReadOnlyList<TlsTarget> endpoints)
    {
        if (endpoints.Count == 0)
        {
            return;
        }
        foreach (var certificate in certificates)
        {
            Origins.AddOrUpdate(certificate, endpoints);
        }
    }

    /// <summary>The endpoints named by the bundle this certificate was read from; empty when none.</summary>
    public static IReadOnlyList<TlsTarget> Of(X509Certificate2 certificate) => Origins.TryGetValue(certificate, out var endpoints) ? endpoints : [];
}
