using System.Net;
using System.Net.Http.Headers;
using System.Security;
using System.Text;

namespace CertHeal.Healing;

/// <summary>
/// The Authorization a request carries, with PowerShell 7's rules (WebRequestPSCmdlet): Basic needs a
/// credential; Bearer and OAuth need a token; a token and a credential do not go together; and no
/// credential or token goes over http:// unless the caller says so. Messages are in no host's words:
/// the cmdlet words each RequestAuthenticationProblem with its own parameters.
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
                "A token and a credential were both given; a credential goes with Basic authentication, a token with Bearer or OAuth.");
        }
        if (kind == HttpAuthentication.Basic && credential is null)
        {
            throw new RequestAuthenticationException(RequestAuthenticationProblem.CredentialNotSupplied,
                "Basic authentication needs a credential, and none was given.");
        }
        if (kind is HttpAuthentication.Bearer or HttpAuthentication.OAuth && token is null)
        {
            throw new RequestAuthenticationException(RequestAuthenticationProblem.TokenNotSupplied,
                $"{kind} authentication needs a token, and none was given.");
        }
        if (kind == HttpAuthentication.None && token is not null)
        {
            throw new RequestAuthenticationException(RequestAuthenticationProblem.TokenWithoutAuthentication,
                "A token was given without Bearer or OAuth authentication to send it with.");
        }
        var sendsSecrets = kind != HttpAuthentication.None || credential is not null || token is not null;
        if (sendsSecrets && !allowUnencrypted && !string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            throw new RequestAuthenticationException(RequestAuthenticationProblem.UnencryptedAuthentication,
                $"Secrets would be sent in plain text over an unencrypted connection ({uri.Scheme}://); nothing was sent.");
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
