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

    /// <summary>The engine's refusal in Invoke-WebRequest's words, naming this cmdlet's parameters.</summary>
    public static ErrorRecord Authentication(RequestAuthenticationException e, Uri uri, HttpAuthentication kind) => new(new InvalidOperationException(e.Problem switch
    {
        RequestAuthenticationProblem.TokenConflict =>
            "The cmdlet cannot run because -Token and -Credential were both given. Give -Credential with -Authentication Basic, or -Token with -Authentication Bearer or OAuth.",
        RequestAuthenticationProblem.CredentialNotSupplied => "The cmdlet cannot run because the following parameter is missing: Credential. -Authentication Basic needs -Credential.",
        RequestAuthenticationProblem.TokenNotSupplied => $"The cmdlet cannot run because the following parameter is missing: Token. -Authentication {kind} needs -Token.",
        RequestAuthenticationProblem.TokenWithoutAuthentication => "The cmdlet cannot run because -Token was given without -Authentication Bearer or OAuth.",
        _ => $"The cmdlet cannot protect plain text secrets sent over unencrypted connections ({uri.Scheme}://). To send them anyway, reissue the command with -AllowUnencryptedAuthentication.",
    }, e), e.Problem switch
    {
        RequestAuthenticationProblem.CredentialNotSupplied => ErrorIds.AuthenticationCredentialNotSupplied,
        RequestAuthenticationProblem.TokenNotSupplied => ErrorIds.AuthenticationTokenNotSupplied,
        RequestAuthenticationProblem.TokenConflict => ErrorIds.AuthenticationTokenConflict,
        RequestAuthenticationProblem.TokenWithoutAuthentication => ErrorIds.AuthenticationTokenWithoutAuthentication,
        _ => ErrorIds.AllowUnencryptedAuthenticationRequired,
    }, e.Problem == RequestAuthenticationProblem.UnencryptedAuthentication ? ErrorCategory.SecurityError : ErrorCategory.InvalidArgument, uri);
}
