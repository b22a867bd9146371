using System.Diagnostics;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Trust;

namespace CertHeal.Handshake;

/// <summary>
/// One handshake with one target: connect, handshake with SNI, capture what the server
/// presents, judge it against the trust anchors, and say in one sentence what went wrong.
/// The probe accepts any certificate during the handshake (it sends no data) so that it can
/// still report the protocol, the cipher and the chain of a server it does not trust.
/// </summary>
public static class HandshakeProbe
{
    public static async Task<HandshakeResult> ProbeAsync(TlsTarget target, ProbeOptions options, CancellationToken cancellationToken) =>
        (await ProbeWithCertificatesAsync(target, options, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary>The probe, plus the presented certificates as the server sent them (for the chain stage).</summary>
    internal static async Task<(HandshakeResult Result, IReadOnlyList<X509Certificate2> Presented)> ProbeWithCertificatesAsync(
        TlsTarget target, ProbeOptions options, CancellationToken cancellationToken)
    {
        var trust = options.Trust ?? TrustAnchors.System;
        var result = new HandshakeResult
        {
            Target = target.Display,
            Host = target.Host,
            Port = target.Port,
            ServerName = target.ServerName,
            RequestedProtocol = options.Protocol,
        };
        var started = options.Clock.GetUtcNow().UtcDateTime;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);

        // The platform's own cipher list first: a CipherSuitesPolicy makes SslStream build a fresh
        // OpenSSL context and hand it the whole list on every handshake. Only a server that refused
        // the offer with an alert before showing a certificate gets the broad list (suites curl and
        // Java offer and .NET does not by default), on a new connection, whose answer stands unless
        // it could not connect or ran out of time (the broad list alone was the probe before).
        var attempt = await AttemptAsync(target, options, trust, started, null, deadline.Token, cancellationToken).ConfigureAwait(false);
        if (attempt.ConnectError is null && !attempt.State.CertificateSeen && BroadCipherPolicy.Instance is { } broad
            && attempt.State.HandshakeError is { } refused && FailureClassifier.RefusedTheOffer(refused) && !deadline.IsCancellationRequested)
        {
            var wider = await AttemptAsync(target, options, trust, started, broad, deadline.Token, cancellationToken).ConfigureAwait(false);
            if (wider.ConnectError is null && wider.State.HandshakeError is not OperationCanceledException)
            {
                attempt = wider;
            }
        }
        var state = attempt.State;
        result.ConnectTime = attempt.ConnectTime;
        if (attempt.ConnectError is { } connectError)
        {
            return (Finish(result, FailureClassifier.FromConnect(connectError, target, options), target, options), []);
        }
        result.Address = attempt.Address;
        result.HandshakeTime = attempt.HandshakeTime;
        result.Protocol = attempt.Protocol;
        result.CipherSuite = attempt.CipherSuite;

        // With a client certificate given, SslStream on Linux shows neither the request nor its CA names
        // (see AcceptableIssuers.CaptureAsync): one more handshake, BouncyCastle's, reads them.
        // Without one, the platform's second callback carries them and nothing more is sent; after
        // a timeout nothing is tried again (the probe's time is spent).
        if (options.ClientCertificate is not null && state.AcceptableIssuers.Count == 0 && state.HandshakeError is not OperationCanceledException)
        {
            TlsProtocol? negotiated = Enum.TryParse<TlsProtocol>(result.Protocol, out var p) && Enum.IsDefined(p) ? p : null;
            var request = await AcceptableIssuers.CaptureAsync(target, options, negotiated, cancellationToken).ConfigureAwait(false);
            state.ClientCertificateRequested |= request.ClientCertificateRequested;
            state.ServerRequiresClientCertificate = request.RefusedWithoutCertificate;
            state.AcceptableIssuers.AddRange(request.AcceptableIssuers);
            if (request.Accepted)
            {
                result.Protocol ??= request.Version.ToString();
                result.CipherSuite ??= BouncyCastleClient.Name(request.CipherSuite!.Value);
            }
        }
        var now = options.Clock.GetUtcNow().UtcDateTime;
        if (state.CertificateSeen && state.Presented.Count > 0 && options.Revocation != RevocationCheckMode.Off)
        {
            // Revocation is part of the one verdict (it comes first of all): checked on the built
            // path, before the classifier turns the verdict into the result.
            var verdict = state.Verdict ??= ChainTrustEvaluator.Evaluate(state.Presented, trust, now);
            var answers = await Revocation.RevocationChecker.CheckPathAsync(verdict.Path, options.Revocation, options.RevocationTimeout, now, cancellationToken)
                .ConfigureAwait(false);
            state.Verdict = ChainTrustEvaluator.WithRevocation(verdict, answers, options.Revocation, trust);
        }
        var outcome = FailureClassifier.Classify(target, options, state, trust, now);
        int? dhGroupBits = null;
        if (state.CertificateSeen)
        {
            result.CapturedBy = TlsStack.Platform;
        }
        else if (BouncyCastleFallback.Applies(state, outcome))
        {
            var fallback = await BouncyCastleFallback.RunAsync(target, options, outcome, trust, now, cancellationToken).ConfigureAwait(false);
            outcome = fallback.Outcome;
            fallback.ApplyTo(result, state.Presented);
            dhGroupBits = fallback.DhGroupBits;
        }
        if (dhGroupBits is null && DhGroupProbe.Applies(result.CipherSuite, state.HandshakeError))
        {
            var dhe = await DhGroupProbe.LearnAsync(target, options, cancellationToken).ConfigureAwait(false);
            dhGroupBits = dhe.DhGroupBits;
            if (dhe.Accepted)
            {
                result.Protocol ??= dhe.Version.ToString();
                result.CipherSuite ??= BouncyCastleClient.Name(dhe.CipherSuite!.Value);
            }
        }
        result.AcceptableClientCertificateIssuers = [.. state.AcceptableIssuers];
        result.ClientCertificateChainsToAcceptable = AcceptableIssuers.ChainsTo(options.ClientCertificate, state.AcceptableIssuers);
        if (outcome.Failure == HandshakeFailure.None && result.ClientCertificateChainsToAcceptable == false)
        {
            // openssl s_server -Verify without -verify_return_error, or a server that checks client
            // certificates later (in the application): the handshake passes, the names disagree.
            outcome = outcome with
            {
                Reason = outcome.Reason.TrimEnd('.') + $"; note: the server accepted the client certificate '{options.ClientCertificate!.Subject}', although it does not chain to the CAs the server names ({AcceptableIssuers.Describe(state.AcceptableIssuers)}), so the server does not verify it in the handshake.",
            };
        }
        result.PresentedChain = state.Presented
            .Select((certificate, position) => ChainCertificateFactory.Create(certificate, target.Display, position, CertificateSource.Presented, now))
            .ToArray();
        Finish(result, outcome, target, options);
        RevocationResults.Apply(result, state.Verdict);
        if (result.Failure == HandshakeFailure.IncompleteChain && options.Aia is not null)
        {
            var completion = await ChainCompleter.CompleteAsync(state.Presented, trust, options.Aia, now, cancellationToken).ConfigureAwait(false);
            result.AiaWouldComplete = completion.ReachesTrustedRoot;
            if (!completion.ReachesTrustedRoot && completion.AiaProblems.Count > 0)
            {
                result.Reason = result.Reason.TrimEnd('.') + "; AIA does not complete it: " + completion.AiaProblems[0] + ".";
            }
        }
        await ClientVerdictStage.ApplyAsync(result, state.Presented, trust, now, state.Verdict, cancellationToken, dhGroupBits, state.ServerRequiresClientCertificate).ConfigureAwait(false);
        return (result, state.Presented);
    }

    /// <summary>What one connection and handshake learned.</summary>
    private sealed record Attempt(ProbeState State, Exception? ConnectError, TimeSpan ConnectTime, TimeSpan HandshakeTime, string? Address, string? Protocol, string? CipherSuite);

    private static async Task<Attempt> AttemptAsync(TlsTarget target, ProbeOptions options, TrustAnchors trust, DateTime now, CipherSuitesPolicy? ciphers,
        CancellationToken deadline, CancellationToken cancellationToken)
    {
        var state = new ProbeState { Now = now, Trust = trust };
        var clock = Stopwatch.StartNew();
        Connection connection;
        try
        {
            connection = await options.Connector.ConnectAsync(target, deadline).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new Attempt(state, e, clock.Elapsed, TimeSpan.Zero, null, null, null);
        }
        var connectTime = clock.Elapsed;
        var address = connection.RemoteEndPoint?.ToString();
        string? protocol = null, cipherSuite = null;
        await using (connection.ConfigureAwait(false))
        {
            await using var tls = new SslStream(connection.Stream, leaveInnerStreamOpen: true);
            var sslOptions = CreateClientOptions(target, options, trust, state, ciphers);
            clock.Restart();
            try
            {
                await tls.AuthenticateAsClientAsync(sslOptions, deadline).ConfigureAwait(false);
                clock.Stop();
                protocol = tls.SslProtocol.ToString();
                cipherSuite = tls.NegotiatedCipherSuite.ToString();
                // TLS 1.3 servers judge the client certificate after the client's Finished: wait for
                // that verdict whenever a certificate was asked for, or one was given (if a platform
                // did not report the CertificateRequest, the server's alert still shows).
                if (state.ClientCertificateRequested || (options.ClientCertificate is not null && tls.SslProtocol == SslProtocols.Tls13))
                {
                    state.PostHandshakeError = await ReadServerVerdictAsync(tls, options.PostHandshakeWait, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                clock.Stop();
                state.HandshakeError = e;
            }
        }
        return new Attempt(state, null, connectTime, clock.Elapsed, address, protocol, cipherSuite);
    }

    private static HandshakeResult Finish(HandshakeResult result, Outcome outcome, TlsTarget target, ProbeOptions options)
    {
        result.Failure = outcome.Failure;
        result.Succeeded = outcome.Failure == HandshakeFailure.None;
        result.Reason = outcome.Reason;
        result.TrustedBy = outcome.TrustedBy;
        result.Healable = outcome.Healable;
        // The remedy carries what this probe used, so the host's command reaches the same endpoint the same way.
        if (outcome.Remedy is { } remedy)
        {
            remedy.Probe = ProbeSettingsReader.Read(target, options);
            result.Remedy = remedy;
            result.Recommendation = options.Vocabulary.Render(remedy);
        }
        return result;
    }

    private static SslClientAuthenticationOptions CreateClientOptions(TlsTarget target, ProbeOptions options, TrustAnchors trust, ProbeState state, CipherSuitesPolicy? ciphers)
    {
        // SslStream builds its own chain before calling back; give it the verdict's policy (no
        // AIA downloads, no machine store, so probing never changes local state) and judge that
        // chain in the callback: one chain build per handshake. SslStream appends what the server
        // sent to ExtraStore after the anchors' intermediates placed here.
        var policy = new X509ChainPolicy();
        ChainTrustEvaluator.Configure(policy, trust, state.Now);
        policy.ExtraStore.AddRange(trust.Intermediates);
        return new SslClientAuthenticationOptions
        {
            TargetHost = target.ServerName,
            EnabledSslProtocols = TlsProtocols.ToSslProtocols(options.Protocol),
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = policy,
            AllowRenegotiation = false,
            CipherSuitesPolicy = ciphers,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                state.Capture(certificate, chain, errors);
                return true;
            },
            LocalCertificateSelectionCallback = (_, _, _, _, acceptableIssuers) =>
            {
                state.SelectionCalls++;
                // On Linux the callback runs once up front and again only when the server sends a
                // CertificateRequest; elsewhere the request shows as a list of acceptable issuers.
                if (state.SelectionCalls > 1 || acceptableIssuers.Length > 0)
                {
                    state.ClientCertificateRequested = true;
                }
                if (acceptableIssuers.Length > 0)
                {
                    state.AcceptableIssuers.Clear();
                    state.AcceptableIssuers.AddRange(acceptableIssuers);
                }
                return options.ClientCertificate!;
            },
        };
    }

    /// <summary>
    /// TLS 1.3 finishes the client's handshake before the server has judged the client
    /// certificate, and some TLS 1.2 servers (SslStream among them) judge it only after the
    /// handshake: the refusal arrives as the first record or a close. Wait briefly for it.
    /// SslStream consumes session tickets (openssl s_server sends two after accepting the client)
    /// without returning them; a read that returns application data means the server accepted the
    /// client, so it is no verdict either. The wait is bounded by <paramref name="wait"/>.
    /// </summary>
    private static async Task<Exception?> ReadServerVerdictAsync(SslStream tls, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(wait);
        var buffer = new byte[256];
        try
        {
            var read = await tls.ReadAsync(buffer, window.Token).ConfigureAwait(false);
            return read == 0 ? new AuthenticationException("The server closed the connection after the handshake.") : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            return e;
        }
    }
}

/// <summary>What the callbacks saw during one handshake.</summary>
internal sealed class ProbeState
{
    public List<X509Certificate2> Presented { get; } = [];
    public SslPolicyErrors PolicyErrors { get; private set; }
    public bool CertificateSeen { get; private set; }
    public int SelectionCalls { get; set; }
    public bool ClientCertificateRequested { get; set; }

    /// <summary>Whether the server refuses a client that sends no certificate (learned with BouncyCastle when a client certificate is given); null when unknown.</summary>
    public bool? ServerRequiresClientCertificate { get; set; }

    /// <summary>The CAs the server's CertificateRequest names (SslStream's acceptableIssuers), as distinguished names.</summary>
    public List<string> AcceptableIssuers { get; } = [];
    public Exception? HandshakeError { get; set; }
    public Exception? PostHandshakeError { get; set; }

    /// <summary>The trust verdict on Presented, once judged: a chain build is the probe's largest cost, so it is built once.</summary>
    public TrustVerdict? Verdict { get; set; }

    /// <summary>The time the verdict is judged at (the probe's clock when it started).</summary>
    public DateTime Now { get; init; }

    /// <summary>The anchors judged against; their intermediates sit first in SslStream's ExtraStore (not sent by the server).</summary>
    public required TrustAnchors Trust { get; init; }

    /// <summary>
    /// Copies what the server sent and judges SslStream's chain while the callback still owns
    /// it; a failed judgement only means the classifier builds the chain itself afterwards.
    /// </summary>
    public void Capture(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        CertificateSeen = true;
        PolicyErrors = errors;
        Verdict = null;
        Presented.Clear();
        Presented.AddRange(PresentedChain.FromCallback(certificate, chain, Trust.Intermediates));
        if (chain is null)
        {
            return;
        }
        try
        {
            Verdict = ChainTrustEvaluator.FromHandshakeChain(chain, Presented, Trust, Now);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            // Verdict stays null: the classifier builds the chain itself.
        }
    }
}
