using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Internal;

/// <summary>
/// Completes -TrustedFingerprint with the SHA-256 fingerprints of the roots and self-signed
/// certificates PowerShell can already see without touching the network: the variables piped
/// into the command or passed to -Certificate (ChainCertificate objects, deserialized copies,
/// X509Certificate2). The tooltip names the subject, so the person pins what they checked.
/// </summary>
internal sealed class FingerprintCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var values = new List<object?>();
        if (fakeBoundParameters.Contains("Certificate"))
        {
            values.Add(fakeBoundParameters["Certificate"]);
        }
        if (commandAst.Parent is PipelineAst pipeline)
        {
            var index = pipeline.PipelineElements.IndexOf(commandAst);
            for (var i = 0; i < index; i++)
            {
                foreach (var variable in pipeline.PipelineElements[i].FindAll(a => a is VariableExpressionAst, searchNestedScriptBlocks: false).Cast<VariableExpressionAst>())
                {
                    values.Add(CompletionSession.Variable(variable.VariablePath.UserPath));
                }
            }
        }
        var word = (wordToComplete ?? "").Trim('\'', '"');
        return Flatten(values).Select(Describe).OfType<(string Fingerprint, string Subject, bool Anchor)>()
            .Where(c => c.Anchor && c.Fingerprint.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .DistinctBy(c => c.Fingerprint)
            .Select(c => new CompletionResult(c.Fingerprint, c.Fingerprint, CompletionResultType.ParameterValue, c.Subject))
            .ToList();
    }

    private static IEnumerable<object?> Flatten(IEnumerable<object?> values)
    {
        foreach (var value in values)
        {
            var item = value is PSObject ps ? ps.BaseObject : value;
            if (item is IEnumerable many and not string)
            {
                foreach (var inner in many.Cast<object?>().Take(1000))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return value;
            }
        }
    }

    /// <summary>Fingerprint, subject and whether it can be a trust anchor (root or self-signed).</summary>
    private static (string, string, bool)? Describe(object? value)
    {
        var psObject = value as PSObject;
        var item = psObject?.BaseObject ?? value;
        if (item is ChainCertificate chain)
        {
            return (chain.Sha256Fingerprint, chain.Subject, chain.Role == CertificateRole.Root || chain.IsSelfSigned);
        }
        if (item is X509Certificate2 certificate)
        {
            var selfSigned = certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
            return (Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)), certificate.Subject, selfSigned);
        }
        if (psObject is not null && psObject.Properties["Sha256Fingerprint"]?.Value is string fingerprint)
        {
            var role = psObject.Properties["Role"]?.Value?.ToString();
            var self = psObject.Properties["IsSelfSigned"]?.Value is true;
            return (fingerprint, psObject.Properties["Subject"]?.Value?.ToString() ?? "", role == "Root" || self);
        }
        return null;
    }
}
