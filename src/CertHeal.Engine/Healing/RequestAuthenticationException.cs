namespace CertHeal.Healing;

/// <summary>What is wrong with a request's authentication parameters; nothing was sent.</summary>
public enum RequestAuthenticationProblem
{
    /// <summary>Basic without a credential.</summary>
    CredentialNotSupplied,

    /// <summary>Bearer or OAuth without a token.</summary>
    TokenNotSupplied,

    /// <summary>A token without Bearer or OAuth authentication (it cannot be used on its own).</summary>
    TokenWithoutAuthentication,

    /// <summary>A token and a credential together.</summary>
    TokenConflict,

    /// <summary>Secrets would cross an unencrypted (http://) connection without consent.</summary>
    UnencryptedAuthentication,
}

/// <summary>The request's authentication parameters cannot be used as given; nothing was sent.</summary>
public sealed class RequestAuthenticationException(RequestAuthenticationProblem problem, string message) : Exception(message)
{
    public RequestAuthenticationProblem Problem { get; } = problem;
}
