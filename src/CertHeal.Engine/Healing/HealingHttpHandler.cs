using System.Diagnostics;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Handshake;
using CertHeal.Keystores;
using CertHeal.Trust;

namespace CertHeal.Healing;

/// <summary>
/// A DelegatingHandler any .NET app can put in its HttpClient. Trust = system + keystore, judged
/// like strict clients judge it. On a healable handshake failure it collects the server's chain
/// (AIA included), merges it into the keystore under the trust policy (the merge validates the
/// candidate against that server before it replaces the file), reloads trust and retries once.
/// One heal per host at a time: concurrent requests to a failing host wait for it and reuse it.
/// Anything it cannot heal surfaces as a HealingException carrying the HandshakeResult.
/// </summary>
public sealed class HealingHttpHandler : DelegatingHandler
{
    /// <summary>What the handler did for a request (heal, retry, renewal); set on the request when it did something, or when the caller set it first.</summary>
    public static readonly HttpRequestOptionsKey<List<HealStep>> StepsKey = new("CertHeal.Steps");

    /// <summary>Where <see cref="HealedRequest"/> learns what this request's merges did, so its response can say whether a store changed.</summary>
    internal static readonly HttpRequestOptionsKey<List<KeystoreChange>> ChangesKey = new("CertHeal.Changes");

    private readonly HealingOptions _options;
    private readonly HealCoordinator _coordinator = new();
    private readonly RenewalPolicy _renewal;
    private readonly TrustedChainCache _trustedChains = new();
    private TrustAnchors _trust;
    private int _merges;

    public HealingHttpHandler(HealingOptions options)
    {
        _options = options;
        _renewal = new RenewalPolicy(options);
        _trust = HealingTrust.Load(options);
        InnerHandler = CreateInner();
    }

    /// <summary>How many merges wrote the keystore (a concurrency test asserts exactly one).</summary>
    public int Merges => Volatile.Read(ref _merges);

    /// <summary>How many heals ran (collect and merge), however many requests waited for them.</summary>
    internal int Heals => _coordinator.Heals;

    /// <summary>How many times renewal read the keystore: once per trust generation, not per response.</summary>
    internal int RenewalKeystoreReads => _renewal.KeystoreReads;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var generation = _coordinator.Generation;
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (IsTrustFailure(e))
        {
            var (steps, changes) = Journal(request);
            await HealAsync(TargetOf(request), generation, steps, changes, cancellationToken).ConfigureAwait(false);
            var retry = Stopwatch.StartNew();
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            steps.Add(new HealStep { Name = "Retried", Detail = $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode} over the healed trust", Duration = retry.Elapsed });
            return response;
        }
        // The request's target is parsed, and its options touched, only when a heal or renewal needs
        // them: on a kept-alive connection (no handshake, so no presented chain) that was most of
        // what this handler added to a request.
        if (_renewal.AnyPresented && _renewal.Successors(ServerNameOf(request), _coordinator.Generation) is { Count: > 0 } successors)
        {
            var (steps, changes) = Journal(request);
            var target = TargetOf(request);
            await _coordinator.RunExclusiveAsync(target.ServerName, token => RenewAsync(target, successors, steps, changes, token), cancellationToken).ConfigureAwait(false);
        }
        return response;
    }

    /// <summary>The request's step list (created on first use) and the changes list its caller may have set.</summary>
    private static (List<HealStep> Steps, List<KeystoreChange>? Changes) Journal(HttpRequestMessage request)
    {
        if (!request.Options.TryGetValue(StepsKey, out var steps))
        {
            steps = [];
            request.Options.Set(StepsKey, steps);
        }
        request.Options.TryGetValue(ChangesKey, out var changes);
        return (steps, changes);
    }

    private async Task HealAsync(TlsTarget target, int generation, List<HealStep> steps, List<KeystoreChange>? changes, CancellationToken cancellationToken)
    {
        if (!await _coordinator.HealAsync(target.ServerName, generation, token => CollectAndMergeAsync(target, steps, changes, token), cancellationToken).ConfigureAwait(false))
        {
            steps.Add(new HealStep { Name = "Failed", Detail = $"{target} was not trusted; another request healed it meanwhile" });
        }
    }

    private async Task CollectAndMergeAsync(TlsTarget target, List<HealStep> steps, List<KeystoreChange>? changes, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var aia = _options.NoAia ? null : new AiaFetcher();
        var report = await ChainCollector.CollectAsync(target, new ChainOptions
        {
            Probe = new ProbeOptions { Trust = Volatile.Read(ref _trust), Timeout = _options.Timeout, ClientCertificate = _options.ClientCertificate, ClientCertificatePath = _options.ClientCertificatePath, Vocabulary = _options.Vocabulary ?? NeutralVocabulary.Instance, Clock = _options.Clock, Connector = _options.Connector ?? ReachConnector.Default, Revocation = _options.Revocation },
            Aia = aia,
        }, cancellationToken).ConfigureAwait(false);
        var handshake = report.Handshake;
        steps.Add(new HealStep { Name = "Failed", Detail = handshake.Reason, Duration = handshake.ConnectTime + handshake.HandshakeTime });
        if (handshake.Succeeded)
        {
            return;
        }
        if (!handshake.Healable)
        {
            throw new HealingException($"{handshake.Reason} CertHeal does not heal this from the client side, so nothing was written.", handshake);
        }
        steps.Add(new HealStep
        {
            Name = "Collected",
            Detail = $"{report.Path.Count} certificates ({string.Join(", ", report.Path.Select(c => c.Source).Distinct())})",
            Duration = clock.Elapsed,
        });
        clock.Restart();
        var change = await MergeAsync(report.Path.Select(c => c.Certificate!).ToList(), [target], removeSuperseded: false, changes, cancellationToken).ConfigureAwait(false);
        if (change.Added + change.Replaced == 0)
        {
            var why = string.Join("; ", change.Entries.Where(e => e.Action == KeystoreChangeAction.Skipped).Select(e => $"{e.Subject}: {e.Reason}"));
            steps.Add(new HealStep { Name = "Refused", Detail = why, Duration = clock.Elapsed });
            throw new HealingException($"{handshake.Reason} The {_options.Policy} trust policy refused to heal it ({why}); nothing was written.", handshake, change);
        }
        steps.Add(new HealStep { Name = "Merged", Detail = $"{change.Added} added, {change.Replaced} replaced in {change.Path}", Duration = clock.Elapsed });
        steps.Add(new HealStep { Name = "Confirmed", Detail = $"{target} handshakes with the merged keystore as its only trust store" });
    }

    /// <summary>Replaces expiring entries by the successors the server already presents (<see cref="RenewalPolicy"/>).</summary>
    private async Task RenewAsync(TlsTarget target, IReadOnlyList<X509Certificate2> successors, List<HealStep> steps, List<KeystoreChange>? changes, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var change = await MergeAsync(successors, [target], removeSuperseded: true, changes, cancellationToken).ConfigureAwait(false);
        if (change.Replaced + change.Added > 0)
        {
            steps.Add(new HealStep
            {
                Name = "Renewed",
                Detail = string.Join("; ", change.Entries.Where(e => e.Action is KeystoreChangeAction.Replaced or KeystoreChangeAction.Added).Select(e => $"{e.Alias}: {e.Subject} now valid until {e.NotAfter:yyyy-MM-dd}")),
                Duration = clock.Elapsed,
            });
        }
    }

    private async Task<KeystoreChange> MergeAsync(IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<TlsTarget> endpoints, bool removeSuperseded,
        List<KeystoreChange>? changes, CancellationToken cancellationToken)
    {
        var change = await HealMerge.MergeAsync(_options, certificates, endpoints, removeSuperseded, cancellationToken).ConfigureAwait(false);
        changes?.Add(change);
        if (change.Written)
        {
            Interlocked.Increment(ref _merges);
            Volatile.Write(ref _trust, HealingTrust.Load(_options));
            _coordinator.Advance();
            _trustedChains.Clear();
        }
        return change;
    }

    private SocketsHttpHandler CreateInner()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = _options.Timeout,
            // The connector does the proxying (HTTPS_PROXY/NO_PROXY or -Proxy), so the handler must not.
            UseProxy = false,
            Credentials = _options.HttpCredential,
            PreAuthenticate = false,
            ConnectCallback = async (context, token) =>
            {
                var connection = await (_options.Connector ?? ReachConnector.Default).ConnectAsync(
                    TlsTarget.Parse(context.DnsEndPoint.Host, context.DnsEndPoint.Port), token).ConfigureAwait(false);
                return connection.Stream;
            },
        };
        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            DisableCertificateDownloads = true,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = Validate;
        if (_options.ClientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [_options.ClientCertificate];
        }
        return handler;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var presented = PresentedChain.FromCallback(certificate, chain);
        if (sender is SslStream stream)
        {
            _renewal.Presented(stream.TargetHostName, presented);
        }
        if (presented.Count == 0 || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }
        // The generation is read before the trust: a heal that lands in between makes this
        // verdict's cache entry stale (a newer generation), never a stale verdict current.
        var generation = _coordinator.Generation;
        var now = _options.Clock.GetUtcNow().UtcDateTime;
        var key = TrustedChainCache.Key(presented);
        if (_trustedChains.IsTrusted(generation, key, now))
        {
            return true;
        }
        var trust = Volatile.Read(ref _trust);
        var verdict = ChainTrustEvaluator.Evaluate(presented, trust, now);
        if (verdict.Trusted && _options.Revocation != RevocationCheckMode.Off)
        {
            // The request itself obeys the revocation mode, not only the heal's probe: the callback
            // is synchronous, so it waits for the bounded (and cached) OCSP/CRL answers.
            var answers = Revocation.RevocationChecker.CheckPathAsync(verdict.Path, _options.Revocation, Revocation.RevocationChecker.DefaultTimeout, now,
                CancellationToken.None).GetAwaiter().GetResult();
            verdict = ChainTrustEvaluator.WithRevocation(verdict, answers, _options.Revocation, trust);
        }
        if (verdict.Trusted && verdict.Path.Count > 0)
        {
            _trustedChains.AddTrusted(generation, key, verdict.Path);
        }
        return verdict.Trusted;
    }

    private static bool IsTrustFailure(HttpRequestException e) => e.InnerException is AuthenticationException;

    private static TlsTarget TargetOf(HttpRequestMessage request) => TlsTarget.Parse(UriOf(request).GetLeftPart(UriPartial.Authority));

    /// <summary>The <see cref="TlsTarget.ServerName"/> <see cref="TargetOf"/> would give, without parsing the target.</summary>
    private static string ServerNameOf(HttpRequestMessage request) => UriOf(request).IdnHost.Trim('[', ']');

    private static Uri UriOf(HttpRequestMessage request) => request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
}
