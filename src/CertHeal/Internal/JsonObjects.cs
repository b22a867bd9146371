using System.Globalization;
using System.Management.Automation;
using System.Numerics;
using System.Text.Json;

namespace CertHeal.Internal;

/// <summary>
/// A JSON body as ConvertFrom-Json (PowerShell 7) makes it: objects become PSCustomObject with one
/// note property per member (in document order), arrays object[], integers Int64 (BigInteger when
/// larger), other numbers Double (Decimal when Double would lose the value), true/false Boolean,
/// null $null. Strings stay strings (no date conversion: ConvertFrom-Json's date guessing is
/// culture- and version-dependent, and an API's timestamp is easier to parse than to un-parse).
/// </summary>
internal static class JsonObjects
{
    /// <summary>The parsed body; false when it is empty or not JSON (Invoke-RestMethod then returns the text as it is).</summary>
    public static bool TryParse(string json, out object? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(json))
        {
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 1024 });
            value = Convert(document.RootElement);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => Object(element),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToArray(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => Number(element),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static PSObject Object(JsonElement element)
    {
        var result = new PSObject();
        foreach (var member in element.EnumerateObject())
        {
            // A repeated name keeps the last value, as ConvertFrom-Json does.
            result.Properties.Remove(member.Name);
            result.Properties.Add(new PSNoteProperty(member.Name, Convert(member.Value)));
        }
        return result;
    }

    private static object Number(JsonElement element)
    {
        var text = element.GetRawText();
        if (element.TryGetInt64(out var integer))
        {
            return integer;
        }
        if (text.IndexOfAny(['.', 'e', 'E']) < 0)
        {
            return BigInteger.Parse(text, CultureInfo.InvariantCulture);
        }
        var number = element.GetDouble();
        return double.IsInfinity(number) && element.TryGetDecimal(out var exact) ? exact : number;
    }
}
