using System.Collections;
using System.Management.Automation;
using CertHeal.Handshake;

namespace CertHeal.Internal;

/// <summary>
/// Lets -Protocol take the names users write besides the enum's own: Tls10 for TLS 1.0, and
/// "TLS 1.2", "TLSv1.2" or "1.2". Anything else is passed on unchanged, so PowerShell's own enum
/// conversion reports it with the list of valid names.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class TlsProtocolTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is string text)
        {
            return Convert(text);
        }
        if (value is IEnumerable items and not string)
        {
            var list = new List<object?>();
            foreach (var item in items)
            {
                var inner = item is PSObject p ? p.BaseObject : item;
                list.Add(inner is string s ? Convert(s) : inner);
            }
            return list.ToArray();
        }
        return inputData;
    }

    private static object Convert(string text) => TlsProtocols.TryParse(text, out var protocol) ? protocol : text;
}
