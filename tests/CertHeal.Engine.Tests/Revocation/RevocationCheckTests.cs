using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Handshake;
using CertHeal.Revocation;
using Xunit.Abstractions;

namespace CertHeal.Tests.Revocation;

/// <summary>
/// Revocation against a real `openssl ocsp` responder and CRLs on loopback: each answer gives the
/// right status and verdict within its time cap, and nothing a responder sends throws.
/// (The engine never asks .NET to check revocation — every chain policy is NoCheck — so no
/// .NET revocation cache under HOME is touched and the tests need no HOME of their own.)
/// </summary>
public sealed class RevocationCheckTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(1);

    private static async Task<HandshakeResult> ProbeAsync(RevocationLab lab, RevocationCheckMode mode = RevocationCheckMode.SoftFail) =>
        await HandshakeProbe.ProbeAsync(TlsTarget.Parse(lab.Target), new ProbeOptions
        {
            Trust = lab.Trust,
            Timeout = TimeSpan.FromSeconds(10),
            Revocation = mode,
            RevocationTimeout = Cap,
        }, default);

    private static ChainCertificate Leaf(HandshakeResult result) => result.PresentedChain[0];
    private static ChainCertificate Intermediate(HandshakeResult result) => result.PresentedChain[1];

    [Fact]
    public async Task A_good_chain_is_good_by_ocsp_and_crl()
    {
        await using var lab = (await RevocationLab.CreateAsync(name: "good")).WithServer();

        var result = await ProbeAsync(lab, RevocationCheckMode.HardFail);

        Assert.Equal(HandshakeFailure.None, result.Failure);
        Assert.Equal((RevocationStatus.Good, RevocationSource.Ocsp), (Leaf(result).Revocation, Leaf(result).RevocationSource));
        Assert.Equal((RevocationStatus.Good, RevocationSource.Crl), (Intermediate(result).Revocation, Intermediate(result).RevocationSource));
    }

    [Fact]
    public async Task A_revoked_leaf_fails_as_Revoked_first_naming_the_certificate_source_time_and_reason()
    {
        await using var lab = (await RevocationLab.CreateAsync(leafRevoked: true, name: "revleaf")).WithServer();

        var result = await ProbeAsync(lab);

        output.WriteLine(result.Reason);
        Assert.Equal(HandshakeFailure.Revoked, result.Failure);
        Assert.False(result.Healable);
        Assert.Contains("revleaf.certheal.test", result.Reason);
        Assert.Contains("OCSP responder http://127.0.0.1:", result.Reason);
        Assert.Contains("keyCompromise", result.Reason);
        Assert.Contains(DateTime.UtcNow.AddHours(-2).ToString("yyyy-MM-dd"), result.Reason);
        Assert.Equal((RevocationStatus.Revoked, RevocationSource.Ocsp), (Leaf(result).Revocation, Leaf(result).RevocationSource));
        Assert.All(result.ClientVerdicts, v => Assert.Equal(VerdictCheck.Revocation, v.Check));
    }

    [Fact]
    public async Task A_revoked_intermediate_fails_as_Revoked_by_its_crl()
    {
        await using var lab = (await RevocationLab.CreateAsync(intermediateRevoked: true, name: "revint")).WithServer();

        var result = await ProbeAsync(lab);

        output.WriteLine(result.Reason);
        Assert.Equal(HandshakeFailure.Revoked, result.Failure);
        Assert.Contains("revint Intermediate", result.Reason);
        Assert.Contains("(keyCompromise) according to the CRL http://127.0.0.1:", result.Reason);
        Assert.Equal(RevocationStatus.Good, Leaf(result).Revocation);
        Assert.Equal((RevocationStatus.Revoked, RevocationSource.Crl), (Intermediate(result).Revocation, Intermediate(result).RevocationSource));
    }

    [Fact]
    public async Task Revoked_comes_before_every_other_failure()
    {
        // The probe connects by IP address to a leaf that covers it: ask for another name, so the
        // chain is both revoked and a name mismatch; Revoked must win.
        await using var lab = (await RevocationLab.CreateAsync(leafRevoked: true, name: "first")).WithServer();

        var result = await HandshakeProbe.ProbeAsync(TlsTarget.Parse(lab.Target, serverName: "other.certheal.test"),
            new ProbeOptions { Trust = lab.Trust, Revocation = RevocationCheckMode.SoftFail, RevocationTimeout = Cap }, default);

        Assert.Equal(HandshakeFailure.Revoked, result.Failure);
    }

    [Theory]
    [InlineData(Answer.Closed, "could not be fetched")]
    [InlineData(Answer.Slow, "did not answer within 1 s")]
    [InlineData(Answer.Oversized, "sent more than 1024 KiB")]
    [InlineData(Answer.Malformed, "malformed OCSP response")]
    public async Task An_unanswered_ocsp_check_is_Unknown_soft_passes_hard_fails(Answer answer, string why)
    {
        await using var lab = (await RevocationLab.CreateAsync(leafOcsp: answer, name: "ocsp" + answer)).WithServer();

        var clock = Stopwatch.StartNew();
        var soft = await ProbeAsync(lab, RevocationCheckMode.SoftFail);
        var softTime = clock.Elapsed;
        var hard = await ProbeAsync(lab, RevocationCheckMode.HardFail);

        output.WriteLine($"{softTime.TotalMilliseconds:0} ms: {soft.Reason}\n{hard.Reason}");
        Assert.True(softTime < TimeSpan.FromSeconds(5), $"took {softTime}");
        Assert.Equal(HandshakeFailure.None, soft.Failure);
        Assert.Contains("note (soft-fail)", soft.Reason);
        Assert.Equal(RevocationStatus.Unknown, Leaf(soft).Revocation);
        Assert.Null(Leaf(soft).RevocationSource);
        Assert.Contains(why, Leaf(soft).RevocationDetail);
        Assert.Equal(HandshakeFailure.RevocationUnknown, hard.Failure);
        Assert.Contains(why, hard.Reason);
    }

    [Theory]
    [InlineData(Answer.Closed, "could not be fetched")]
    [InlineData(Answer.Slow, "did not answer within 1 s")]
    [InlineData(Answer.Oversized, "sent more than 10240 KiB")]
    [InlineData(Answer.Malformed, "malformed CRL")]
    public async Task An_unanswered_crl_check_is_Unknown(Answer answer, string why)
    {
        await using var lab = (await RevocationLab.CreateAsync(intermediateCrl: answer, name: "crl" + answer)).WithServer();

        var clock = Stopwatch.StartNew();
        var result = await ProbeAsync(lab, RevocationCheckMode.HardFail);

        output.WriteLine($"{clock.Elapsed.TotalMilliseconds:0} ms: {result.Reason}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"took {clock.Elapsed}");
        Assert.Equal(HandshakeFailure.RevocationUnknown, result.Failure);
        Assert.Equal(RevocationStatus.Unknown, Intermediate(result).Revocation);
        Assert.Contains(why, Intermediate(result).RevocationDetail);
        Assert.Equal(RevocationStatus.Good, Leaf(result).Revocation);
    }

    [Fact]
    public async Task The_chain_stage_carries_each_certificate_revocation()
    {
        await using var lab = (await RevocationLab.CreateAsync(intermediateRevoked: true, name: "chainstage")).WithServer();

        var report = await Chains.ChainCollector.CollectAsync(TlsTarget.Parse(lab.Target), new Chains.ChainOptions
        {
            Probe = new ProbeOptions { Trust = lab.Trust, Revocation = RevocationCheckMode.SoftFail, RevocationTimeout = Cap },
        }, default);

        Assert.Equal(HandshakeFailure.Revoked, report.Handshake.Failure);
        Assert.Equal(RevocationStatus.Good, report.Certificates[0].Revocation);
        Assert.Equal((RevocationStatus.Revoked, RevocationSource.Crl), (report.Certificates[1].Revocation, report.Certificates[1].RevocationSource));
    }

    [Fact]
    public async Task Off_checks_nothing()
    {
        await using var lab = (await RevocationLab.CreateAsync(leafRevoked: true, name: "off")).WithServer();

        var result = await ProbeAsync(lab, RevocationCheckMode.Off);

        Assert.Equal(HandshakeFailure.None, result.Failure);
        Assert.All(result.PresentedChain, c => Assert.Equal(RevocationStatus.NotChecked, c.Revocation));
        Assert.Equal(0, lab.Http.Hits("root.crl"));
    }

    [Fact]
    public async Task A_crl_is_fetched_once_and_cached_until_its_next_update()
    {
        await using var lab = (await RevocationLab.CreateAsync(leafOcsp: Answer.None, leafCrl: Answer.Real, name: "cache")).WithServer();

        var first = await ProbeAsync(lab);
        var second = await ProbeAsync(lab);

        Assert.Equal(RevocationStatus.Good, Leaf(second).Revocation);
        Assert.Equal(RevocationStatus.Good, Intermediate(first).Revocation);
        Assert.Equal(1, lab.Http.Hits("intermediate.crl"));
        Assert.Equal(1, lab.Http.Hits("root.crl"));
    }

    [Fact]
    public async Task Probes_at_the_same_time_share_one_fetch_per_certificate()
    {
        // A batch starts its first probes together: a certificate's check already under way is
        // joined, not repeated (the benchmark's 256 first probes asked for one intermediate 256 times).
        await using var lab = (await RevocationLab.CreateAsync(leafOcsp: Answer.None, leafCrl: Answer.Real, name: "flight")).WithServer();

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => ProbeAsync(lab)));

        Assert.All(results, r => Assert.Equal(RevocationStatus.Good, Leaf(r).Revocation));
        Assert.All(results, r => Assert.Equal(RevocationStatus.Good, Intermediate(r).Revocation));
        Assert.Equal(1, lab.Http.Hits("intermediate.crl"));
        Assert.Equal(1, lab.Http.Hits("root.crl"));
    }

    [Fact]
    public async Task A_check_joined_from_a_caller_that_gives_up_is_answered_for_the_caller_that_did_not()
    {
        // The first caller's check is shared; when that caller cancels (a handler request given
        // up), the one that joined it must still get an answer of its own, not the other's cancellation.
        await using var lab = await RevocationLab.CreateAsync(leafOcsp: Answer.None, intermediateCrl: Answer.None, name: "joined");
        await using var silent = new Lab.LabListener(async (_, token) => await Task.Delay(Timeout.Infinite, token));
        var leaf = Lab.CertificateMint.Issue(new Lab.CertificateMint.Spec { Subject = "CN=joined.certheal.test", OcspUrl = $"http://127.0.0.1:{silent.Port}/ocsp" },
            lab.Intermediate);
        using var givesUp = new CancellationTokenSource();
        var first = RevocationChecker.CheckAsync(leaf, lab.Intermediate, TimeSpan.FromSeconds(20), DateTime.UtcNow, new FetchBudget(8), givesUp.Token);
        var deadline = Stopwatch.StartNew();
        while (silent.Connections == 0 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }
        Assert.Equal(1, silent.Connections);
        var joined = RevocationChecker.CheckAsync(leaf, lab.Intermediate, Cap, DateTime.UtcNow, new FetchBudget(8), CancellationToken.None);

        givesUp.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        var answer = await joined;
        output.WriteLine(answer.Detail);
        Assert.NotEqual(RevocationStatus.Good, answer.Status); // the responder never answers: soft-fail's unknown, never a guess
        Assert.Equal(2, silent.Connections); // it asked for itself
    }

    [Fact]
    public async Task A_crl_signed_by_another_key_is_not_believed()
    {
        await using var lab = await RevocationLab.CreateAsync(leafOcsp: Answer.None, intermediateCrl: Answer.None, name: "forged");
        var impostor = Lab.CertificateMint.Issue(new Lab.CertificateMint.Spec { Subject = "CN=forged Root", IsCertificateAuthority = true, Key = Lab.KeyKind.Rsa2048 });
        var crl = RevocationLab.Crl(impostor, lab.Intermediate, DateTime.UtcNow);
        var bc = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(lab.Root.RawData);

        var (parsed, error) = CrlCheck.Parse(crl, bc, "the CRL x");

        Assert.Null(parsed);
        Assert.Contains("not signed by", error);
    }

    [Fact]
    public async Task An_ocsp_response_from_a_delegated_responder_is_believed_and_one_from_a_stranger_is_not()
    {
        await using var lab = await RevocationLab.CreateAsync(leafOcsp: Answer.None, intermediateCrl: Answer.None, name: "delegated");
        // RFC 6960 4.2.2.2: a delegated responder is issued by the CA and carries id-kp-OCSPSigning.
        var stranger = Lab.CertificateMint.Issue(new Lab.CertificateMint.Spec { Subject = "CN=not an OCSP signer", Key = Lab.KeyKind.Rsa2048 }, lab.Intermediate);
        var signer = DelegatedSigner(lab.Intermediate);
        foreach (var (responderCertificate, expected) in new[] { (stranger, RevocationStatus.Unknown), (signer, RevocationStatus.Revoked) })
        {
            var port = Lab.LabListener.ClosedPort();
            var leaf = Lab.CertificateMint.Issue(new Lab.CertificateMint.Spec { Subject = "CN=delegated.certheal.test", OcspUrl = OpenSslOcspResponder.UrlFor(port) },
                lab.Intermediate);
            using var responder = await OpenSslOcspResponder.StartAsync(port, lab.Intermediate, [(leaf, DateTime.UtcNow.AddDays(-1), "superseded")], responderCertificate);

            var answer = await RevocationChecker.CheckAsync(leaf, lab.Intermediate, Cap, DateTime.UtcNow, new FetchBudget(8), default);

            output.WriteLine(answer.Detail);
            Assert.Equal(expected, answer.Status);
            Assert.Contains(expected == RevocationStatus.Revoked ? "(superseded)" : "signed neither by", answer.Detail);
        }
    }

    private static X509Certificate2 DelegatedSigner(X509Certificate2 issuer)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=delegated OCSP signer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.9")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var issuerKey = issuer.GetRSAPrivateKey()!;
        using var issued = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForRSA(issuerKey, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [0x12, 0x34, 0x56, 0x78]);
        return issued.CopyWithPrivateKey(key);
    }
}
