using System.Management.Automation;
using System.Net;
using CertHeal.Healing;

namespace CertHeal.Internal;

/// <summary>The ErrorRecords Invoke-HealedRequest shares with Invoke-RestMethod: same ErrorIds, categories and messages.</summary>
internal static class WebErrors
{
    /// <summary>A 4xx/5xx answer: the body (when any) is the ErrorDetails message, as Invoke-RestMethod shows it; the target is the HealedResponse.</summary>
    public static ErrorRecord HttpStatus(HealedResponse response, Uri uri)
    {
        var code = (HttpStatusCode)response.StatusCode;
        var exception = new HttpRequestException($"Response status code does not indicate success: {response.StatusCode} ({code}) from {uri}.", null, code);
        var record = new ErrorRecord(exception, ErrorIds.WebResponse, ErrorCategory.InvalidOperation, response);
        if (!string.IsNullOrWhiteSpace(response.Content))
        {
            record.ErrorDetails = new ErrorDetails(response.Content);
        }
        return record;
    }

    public static ErrorRecord Authentication(RequestAuthenticationException e, Uri uri) => new(e, e.Problem switch
    {
        RequestAuthenticationProblem.CredentialNotSupplied => ErrorIds.AuthenticationCredentialNotSupplied,
        RequestAuthenticationProblem.TokenNotSupplied => ErrorIds.AuthenticationTokenNotSupplied,
        RequestAuthenticationProblem.TokenConflict => ErrorIds.AuthenticationTokenConflict,
        RequestAuthenticationProblem.TokenWithoutAuthentication => ErrorIds.AuthenticationTokenWithoutAuthentication,
        _ => ErrorIds.AllowUnencryptedAuthenticationRequired,
    }, e.Problem == RequestAuthenticationProblem.UnencryptedAuthentication ? ErrorCategory.SecurityError : ErrorCategory.InvalidArgument, uri);
}
