using System.Net;
using System.Net.Http.Headers;
using System.Security;
using System.Text;

namespace CertHeal.Healing;

/// <summary>
/// The Authorization a request carries, with PowerShell 7's rules (WebRequestPSCmdlet): Basic needs a
/// credential; Bearer and OAuth need a token; a token and a credential do not go together; and no
/// credential or token goes over http:// unless the caller says so (-AllowUnencryptedAuthentication).
/// </summary>
public static class RequestAuthentication
{
    /// <summary>The Authorization header to send with the first request, or null (None: a credential waits for a challenge).</summary>
    /// <exception cref="RequestAuthenticationException">The combination is refused; nothing must be sent.</exception>
    public static AuthenticationHeaderValue? Resolve(Uri uri, HttpAuthentication kind, NetworkCredential? credential, SecureString? token, bool allowUnencrypted)
    {
        if (kind != HttpAuthentication.None && token is not null && credential is not null)
        {
            throw new RequestAuthenticationException(RequestAuthenticationProblem.TokenConflict,
                "The cmdlet cannot run because -Token and -Credential were both given. Give -Credential with -Authentication Basic, or -Token with -Authentication Bearer or OAuth.");
        }
        if (kind == HttpAuthentication.Basic && credential is null)
        {
            throw new RequestAuthenticationException(RequestAuthenticationProblem.CredentialNotSupplied,
                "The cmdlet cannot run because the following parameter is missing: Credential. -Authentication Basic needs -Credential.");
        }
        if (kind is HttpAuthentication.Bearer or HttpAuthentication.OAuth && token is null)
        {
            throw new RequestAuthenticationException(RequestAuthenticationProblem.TokenNotSupplied,
                $"The cmdlet cannot run because the following parameter is missing: Token. -Authentication {kind} needs -Token.");
        }
        if (kind == HttpAuthentication.None && token is not null)
        {
            throw new RequestAuthenticationException(RequestAuthenticationProblem.TokenWithoutAuthentication,
                "The cmdlet cannot run because -Token was given without -Authentication Bearer or OAuth.");
        }
        var sendsSecrets = kind != HttpAuthentication.None || credential is not null || token is not null;
        if (sendsSecrets && !allowUnencrypted && !string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            throw new RequestAuthenticationException(RequestAuthenticationProblem.UnencryptedAuthentication,
                $"The cmdlet cannot protect plain text secrets sent over unencrypted connections ({uri.Scheme}://). To send them anyway, reissue the command with -AllowUnencryptedAuthentication.");
        }
        return kind switch
        {
            HttpAuthentication.Basic => new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential!.UserName}:{credential.Password}"))),
            HttpAuthentication.Bearer or HttpAuthentication.OAuth => new AuthenticationHeaderValue("Bearer", new NetworkCredential("", token).Password),
            _ => null,
        };
    }
}
