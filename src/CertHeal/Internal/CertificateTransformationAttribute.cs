using System.Collections;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;

namespace CertHeal.Internal;

/// <summary>
/// Turns whatever a user pipes or passes as -Certificate into X509Certificate2: certificates,
/// ChainCertificate objects (live or deserialized, through Pem or RawData), PEM text, DER bytes,
/// and file paths (resolved through the PowerShell provider). One attribute for every cmdlet
/// that takes certificates.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class CertificateTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var result = new List<X509Certificate2>();
        foreach (var item in Items(inputData))
        {
            try
            {
                result.AddRange(Convert(engineIntrinsics, item));
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                throw new ArgumentTransformationMetadataException(e.Message, e);
            }
        }
        return result.ToArray();
    }

    private static IEnumerable<object> Items(object input)
    {
        var value = input is PSObject ps && ps.BaseObject is not PSCustomObject ? ps.BaseObject : input;
        if (value is IEnumerable sequence and not string and not byte[])
        {
            foreach (var item in sequence)
            {
                if (item is not null)
                {
                    yield return item;
                }
            }
        }
        else
        {
            yield return input;
        }
    }

    private static IEnumerable<X509Certificate2> Convert(EngineIntrinsics engine, object item)
    {
        var ps = item as PSObject;
        var value = ps?.BaseObject ?? item;
        switch (value)
        {
            case X509Certificate2 certificate:
                return [certificate];
            case ChainCertificate chain:
                return [chain.Certificate ?? CertificateInput.FromPem(chain.Pem)];
            case byte[] bytes:
                return CertificateInput.FromBytes(bytes, "The bytes given");
            case FileInfo file:
                return CertificateInput.FromFile(file.FullName);
            case string text when text.Contains("-----BEGIN", StringComparison.Ordinal):
                return CertificateInput.FromBytes(System.Text.Encoding.ASCII.GetBytes(text), "The PEM text given");
            case string path:
                return CertificateInput.FromFile(engine.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
        }
        if (ps?.Properties["Pem"]?.Value is string pem && pem.Length > 0)
        {
            return [CertificateInput.FromPem(pem)];
        }
        if (ps?.Properties["RawData"]?.Value is { } raw)
        {
            var rawValue = raw is PSObject rawPs ? rawPs.BaseObject : raw;
            var bytes = rawValue switch
            {
                byte[] b => b,
                IEnumerable e => e.Cast<object>().Select(o => System.Convert.ToByte(o is PSObject p ? p.BaseObject : o, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
                _ => null,
            };
            if (bytes is not null)
            {
                return [CertificateInput.FromRawData(bytes)];
            }
        }
        throw new FormatException($"'{value}' is not a certificate: pass an X509Certificate2, a ChainCertificate (or an object with Pem or RawData), PEM text, or a certificate file path.");
    }
}
