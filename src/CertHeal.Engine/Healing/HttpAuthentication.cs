namespace CertHeal.Healing;

/// <summary>How a request authenticates to the server (Invoke-RestMethod's -Authentication, same names).</summary>
public enum HttpAuthentication
{
    /// <summary>No Authorization header of our own; a -Credential is offered when the server challenges.</summary>
    None,

    /// <summary>Authorization: Basic base64(user:password), sent with the first request.</summary>
    Basic,

    /// <summary>Authorization: Bearer token.</summary>
    Bearer,

    /// <summary>Same header as Bearer (PowerShell's OAuth is Bearer too).</summary>
    OAuth,
}
