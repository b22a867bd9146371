using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using CertHeal.Chains;
using CertHeal.Trust;

namespace CertHeal.Handshake;

/// <summary>
/// Maps what happened (socket errors, handshake exceptions, the trust verdict) onto
/// HandshakeFailure with one sentence a person at 3 a.m. can act on.
/// </summary>
internal static class FailureClassifier
{
    public static Outcome FromConnect(Exception error, TlsTarget target, ProbeOptions options)
    {
        var where = target.Display;
        var words = options.Vocabulary;
        if (Unwrap<ProxyRefusedException>(error) is { } proxy)
        {
            return new(HandshakeFailure.ProxyRefused, WithProxyHint(proxy, words));
        }
        if (Unwrap<StartTlsRefusedException>(error) is { } startTls)
        {
            return new(HandshakeFailure.StartTlsRefused, startTls.Message);
        }
        switch (Unwrap<SocketException>(error))
        {
            case { SocketErrorCode: SocketError.ConnectionRefused }:
                return new(HandshakeFailure.ConnectionRefused, $"{where} refused the connection: nothing listens on port {target.Port}; check the port and that the service is running.");
            case { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                return new(HandshakeFailure.NameResolution, $"The host name '{target.Host}' could not be resolved; check the spelling and this machine's DNS.");
            case { SocketErrorCode: SocketError.TimedOut }:
                return new(HandshakeFailure.Timeout, $"Connecting to {where} timed out; check firewalls between here and the server.");
            case { } socket:
                return new(HandshakeFailure.Other, $"Connecting to {where} failed: {socket.Message}.");
        }
        if (error is OperationCanceledException)
        {
            return new(HandshakeFailure.Timeout, $"Connecting to {where} did not complete within {options.Timeout.TotalSeconds:0.#} s; check firewalls or raise {words.Name(HostOption.Timeout)}.");
        }
        return new(HandshakeFailure.Other, $"Connecting to {where} failed: {error.Message}");
    }

    public static Outcome Classify(TlsTarget target, ProbeOptions options, ProbeState state, TrustAnchors trust, DateTime nowUtc)
    {
        var where = target.Display;
        // The certificate verdict comes first whenever the server showed one: it is what the
        // user's client rejects, even when the handshake also failed later for another reason.
        if (state.CertificateSeen && state.Presented.Count > 0)
        {
            var verdict = state.Verdict ??= ChainTrustEvaluator.Evaluate(state.Presented, trust, nowUtc);
            var certificateOutcome = FromVerdict(target, verdict, trust);
            if (certificateOutcome is not null)
            {
                return certificateOutcome;
            }
            // The name as the strictest family that uses this trust store checks it (SAN before CN,
            // IP addresses only in iPAddress SANs), not only as SslStream checked it.
            var nameProblem = trust.Consumers.Select(family => HostNameRules.Rejects(family, state.Presented[0], target.ServerName)).FirstOrDefault(r => r is not null);
            if (nameProblem is not null)
            {
                return new(HandshakeFailure.NameMismatch,
                    $"The certificate of {where} does not cover '{target.ServerName}': {nameProblem}; connect with a name it covers (or {options.Vocabulary.Name(HostOption.ServerName)}), or have the server's certificate reissued.");
            }
        }

        var error = state.HandshakeError ?? state.PostHandshakeError;
        if (error is null)
        {
            return new(HandshakeFailure.None, $"{where} presented a chain trusted by {trust.Name}.", trust.Name);
        }
        return FromHandshakeError(target, options, state, error);
    }

    private static Outcome? FromVerdict(TlsTarget target, TrustVerdict verdict, TrustAnchors trust)
    {
        var where = target.Display;
        var fingerprint = verdict.Top is null ? "" : CertificateFacts.Sha256Fingerprint(verdict.Top);
        if (verdict.Failure is HandshakeFailure.UntrustedRoot or HandshakeFailure.SelfSigned && InterceptionDetector.KnownProduct(verdict.Top) is { } product)
        {
            return new(verdict.Failure, InterceptionDetector.Describe(where, product, verdict.Top!, fingerprint), Healable: true,
                Remedy: Pin(fingerprint));
        }
        if (verdict.Failure == HandshakeFailure.IncompleteChain && InterceptionDetector.KnownProduct(verdict.Top) is { } missingProduct)
        {
            // The proxy did not send its root: only its administrators can hand it out.
            return new(verdict.Failure, InterceptionDetector.Describe(where, missingProduct, verdict.Top!, "of that root"),
                Remedy: new Remedy { Kind = RemedyKind.ObtainRootFromAdministrators });
        }
        return verdict.Failure switch
        {
            HandshakeFailure.None => null,
            // Never healable and never a pin: a blocked key or a distrusted root is not undone by
            // anyone's consent, so no Recommendation may propose trusting it (DistrustRules).
            HandshakeFailure.Distrusted => new(verdict.Failure,
                $"{where} presented a chain that must not be trusted: {verdict.Detail}; no client-side heal applies (CertHeal never pins or merges it): the server's owner needs a certificate from a trusted CA."),
            HandshakeFailure.Revoked => new(verdict.Failure,
                $"{where} presented a revoked certificate: {verdict.Detail}; no client-side heal fixes this: the server's owner must install a new certificate."),
            HandshakeFailure.RevocationUnknown => new(verdict.Failure,
                $"{where} presented a chain whose revocation status could not be learned: {verdict.Detail}; check that this machine reaches the OCSP responder or CRL, or check with soft-fail."),
            HandshakeFailure.IncompleteChain => new(verdict.Failure,
                $"{where} sent an incomplete chain: {verdict.Detail}.", Healable: true,
                Remedy: new Remedy { Kind = RemedyKind.CollectAndMerge }),
            HandshakeFailure.UntrustedRoot => new(verdict.Failure,
                $"{where} is not trusted by {trust.Name}: {verdict.Detail}; trust that root only after checking its fingerprint {fingerprint} with its owner.",
                Healable: true,
                Remedy: Pin(fingerprint)),
            HandshakeFailure.SelfSigned => new(verdict.Failure,
                $"{where} is not trusted by {trust.Name}: {verdict.Detail}; trust it only after checking its fingerprint {fingerprint} with its owner.",
                Healable: true,
                Remedy: Pin(fingerprint)),
            HandshakeFailure.Expired or HandshakeFailure.NotYetValid => new(verdict.Failure,
                $"{where} presented a certificate the client must reject: {verdict.Detail}; only the server's owner can fix this by installing a valid certificate."),
            HandshakeFailure.ConstraintViolation or HandshakeFailure.WrongUsage or HandshakeFailure.UnsupportedCriticalExtension or HandshakeFailure.MalformedCertificate => new(verdict.Failure,
                $"{where} presented a chain clients must reject: {verdict.Detail}; no client-side heal fixes this: the server's owner needs a certificate (and CA) that obey the rule."),
            _ => new(verdict.Failure, $"{where} presented a chain that cannot be trusted: {verdict.Detail}."),
        };
    }

    private static Remedy Pin(string fingerprint) => new() { Kind = RemedyKind.PinRoot, Fingerprint = fingerprint };

    /// <summary>The proxy's own refusal, then what to change, in the host's option names.</summary>
    private static string WithProxyHint(ProxyRefusedException refusal, IHostVocabulary words) => refusal.Hint switch
    {
        ProxyHint.Credentials => $"{refusal.Message.TrimEnd('.')}; give credentials with {words.Name(HostOption.ProxyCredential)}, or check them.",
        ProxyHint.Unreachable => $"{refusal.Message.TrimEnd('.')}; check {words.Name(HostOption.Proxy)} / HTTPS_PROXY or bypass it with {words.Name(HostOption.NoProxy)}.",
        _ => refusal.Message,
    };

    /// <summary>
    /// Whether a server refused the client's offer with a TLS alert (handshake_failure, or
    /// insufficient_security), the refusal a wider cipher list can answer; not a peer that does not
    /// speak TLS, a timeout or a close.
    /// </summary>
    internal static bool RefusedTheOffer(Exception error)
    {
        var message = Messages(error);
        return error is not OperationCanceledException
            && (Contains(message, "handshake failure") || Contains(message, "no shared cipher") || Contains(message, "insufficient security"));
    }

    private static Outcome FromHandshakeError(TlsTarget target, ProbeOptions options, ProbeState state, Exception error)
    {
        var where = target.Display;
        var message = Messages(error);
        if (error is OperationCanceledException)
        {
            return new(HandshakeFailure.Timeout,
                $"{where} accepted the connection but did not complete a TLS handshake within {options.Timeout.TotalSeconds:0.#} s; check that the port serves TLS (not a STARTTLS or proxy port) or raise {options.Vocabulary.Name(HostOption.Timeout)}.");
        }
        if (Contains(message, "frame size or a corrupted frame") || Contains(message, "wrong version number") || Contains(message, "packet length too long")
            || Contains(message, "http request"))
        {
            return new(HandshakeFailure.NotTls, $"{where} answered, but not with TLS (a plain HTTP or other protocol port); use the TLS port or an http:// URL.");
        }
        if (ClientCertificateOutcome(target, options, state, message) is { } clientCertificate)
        {
            return clientCertificate;
        }
        if (Contains(message, "dh key too small"))
        {
            // The probe then learns the group's size with BouncyCastle and the verdict stage names it.
            return new(HandshakeFailure.Other, $"{where} offers a finite-field DH key smaller than this machine's OpenSSL security level allows (\"dh key too small\").");
        }
        if (!state.CertificateSeen && (Contains(message, "protocol version") || Contains(message, "unsupported protocol")
            || Contains(message, "no protocols available") || Contains(message, "version too low") || Contains(message, "no shared cipher")
            || Contains(message, "handshake failure")))
        {
            var version = options.Protocol is { } p ? TlsProtocols.Describe(p) : "the versions this machine allows";
            return new(HandshakeFailure.ProtocolMismatch, $"{where} does not accept {version}; try another {options.Vocabulary.Name(HostOption.Protocol)}, or the server must enable a modern TLS version.");
        }
        if (Contains(message, "excessive message size") || Contains(message, "message too long") || Contains(message, "record overflow"))
        {
            return new(HandshakeFailure.Other, $"{where} sent a handshake message larger than this client accepts (too many or too large certificates); the server is misconfigured or hostile.");
        }
        if (error is IOException && (Contains(message, "reset") || Contains(message, "unexpected eof") || Contains(message, "0 bytes")
            || Contains(message, "closed")))
        {
            return new(HandshakeFailure.Other, $"{where} closed the connection during the TLS handshake; the server may reject this client or be overloaded.");
        }
        return new(HandshakeFailure.Other, $"The TLS handshake with {where} failed: {FirstMessage(error)}");
    }

    /// <summary>TLS alerts a server sends about the client's certificate (RFC 8446 6.2; OpenSSL words them "tlsv1 alert unknown ca").</summary>
    private static readonly string[] ClientCertificateAlerts =
    [
        "bad certificate", "unknown ca", "unsupported certificate", "certificate revoked", "certificate expired", "certificate unknown",
        "access denied", "decrypt error",
    ];

    /// <summary>
    /// The server asked for a client certificate: "certificate required" (TLS 1.3's alert when none
    /// was sent) or a request with none given is ClientCertificateRequired; an alert about the
    /// certificate that was given (during the handshake in TLS 1.2, as the first record after it
    /// in TLS 1.3) is ClientCertificateRejected. Neither is healable from this side's trust store.
    /// </summary>
    private static Outcome? ClientCertificateOutcome(TlsTarget target, ProbeOptions options, ProbeState state, string message)
    {
        var where = target.Display;
        var alert = TlsAlert(message);
        var acceptable = AcceptableIssuers.Describe(state.AcceptableIssuers);
        var given = options.ClientCertificate;
        var asked = state.ClientCertificateRequested || alert == "certificate required";
        if (given is null && (asked || alert == "handshake failure" && state.CertificateSeen))
        {
            return new(HandshakeFailure.ClientCertificateRequired,
                $"{where} requires a client certificate and none was given; pass one with {options.Vocabulary.Name(HostOption.ClientCertificate)}, issued by a CA it accepts: {acceptable}.");
        }
        if (given is null || !(asked || alert is not null && ClientCertificateAlerts.Contains(alert)))
        {
            return null;
        }
        if (alert == "certificate required")
        {
            return new(HandshakeFailure.ClientCertificateRequired,
                $"{where} requires a client certificate and did not receive '{given.Subject}' (TLS alert \"certificate required\"); it accepts client certificates issued by {acceptable}.");
        }
        var why = alert is null ? "closed the connection" : $"answered with the TLS alert \"{alert}\"";
        var chains = AcceptableIssuers.ChainsTo(given, state.AcceptableIssuers);
        var fix = chains == false
            ? $"it accepts client certificates issued by {acceptable}, and this one does not chain to any of them: use a certificate from one of those CAs, or have the server's owner add the root of '{given.Issuer}' to the server's client CA list"
            : $"it accepts client certificates issued by {acceptable}; check the certificate's validity, its clientAuth usage and its chain with the server's owner";
        return new(HandshakeFailure.ClientCertificateRejected,
            $"{where} rejected the client certificate '{given.Subject}' (issued by '{given.Issuer}'): the server {why}; {fix}.");
    }

    /// <summary>The alert description in an OpenSSL/SChannel/BouncyCastle message ("tlsv1 alert unknown ca" gives "unknown ca"), or null.</summary>
    internal static string? TlsAlert(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, @"alert[ _]([a-z_ ]+?)(?:\s*(?:[,.(|:]|$|ssl alert|errno))", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        return match.Success ? match.Groups[1].Value.Replace('_', ' ').Trim().ToLowerInvariant() : null;
    }

    private static string Messages(Exception error)
    {
        var parts = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            parts.Add(e.Message);
        }
        return string.Join(" | ", parts);
    }

    private static string FirstMessage(Exception error)
    {
        var inner = error;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }
        var text = inner.Message.TrimEnd('.');
        return text + ".";
    }

    private static bool Contains(string haystack, string needle) => haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);

    private static T? Unwrap<T>(Exception error) where T : Exception
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }
        return null;
    }
}
