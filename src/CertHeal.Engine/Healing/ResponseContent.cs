namespace CertHeal.Healing;

/// <summary>What a response body is, by its Content-Type (as Invoke-RestMethod decides).</summary>
public static class ResponseContent
{
    /// <summary>application/json, text/json and any +json type (application/problem+json, ...).</summary>
    public static bool IsJson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return false;
        }
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A 4xx or 5xx status: an error unless the caller skips the check.</summary>
    public static bool IsHttpError(int statusCode) => statusCode >= 400;
}
