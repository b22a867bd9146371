using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Chains;
using CertHeal.Handshake;
using CertHeal.Lab;
using CertHeal.Revocation;
using Xunit.Abstractions;

namespace CertHeal.Tests.Mutation;

/// <summary>
/// Certificates from the network are as untrusted as store bytes: an AIA repository (a lab HTTP
/// server) answers with a damaged issuer, as DER, PEM or PKCS#7, and every stage that reads
/// what it fetched (the chain walk, the pipeline object, the revocation URLs) ends in a chain
/// or an AIA problem, never an exception. The BouncyCastle capture goes through the same
/// guarded loader.
/// </summary>
public sealed class AiaMutantTests(LabFixture fixture, ITestOutputHelper output) : IClassFixture<LabFixture>
{
    private const int Mutants = 300;

    [Fact]
    public async Task Damaged_issuers_from_an_AIA_repository_end_in_a_chain_or_an_AIA_problem()
    {
        await using var repository = new LabHttpServer();
        var leaf = fixture.Lab.Trusted.IssueLeaf(new LeafSpec { CaIssuersUrl = repository.Url("issuer") });
        var intermediate = fixture.Lab.Trusted.Intermediate.RawData;
        var random = new Random(4_4);
        var failures = new List<string>();
        var (complete, problems) = (0, 0);
        for (var i = 0; i < Mutants; i++)
        {
            var der = (byte[])intermediate.Clone();
            MutantStores.Flip(random, der);
            var (body, type) = (i % 3) switch
            {
                0 => (der, "application/pkix-cert"),
                1 => (System.Text.Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", der)), "application/x-pem-file"),
                _ => (Pkcs7(der), "application/pkcs7-mime"),
            };
            repository.Map("issuer", new LabHttpServer.Route(body, type));
            using var aia = new AiaFetcher();
            try
            {
                var completion = await ChainCompleter.CompleteAsync([leaf], fixture.Trust, aia, DateTime.UtcNow, default);
                foreach (var (certificate, source, _, _) in completion.Certificates)
                {
                    Read(certificate, source);
                }
                foreach (var certificate in (await aia.FetchAsync(repository.Url("issuer"), default)).Certificates)
                {
                    Read(certificate, CertificateSource.Aia);
                }
                complete += completion.ReachesTrustedRoot ? 1 : 0;
                problems += completion.AiaProblems.Count > 0 ? 1 : 0;
            }
            catch (Exception e)
            {
                failures.Add($"mutant {i} ({type}): {e.GetType().Name}: {e.Message}");
            }
        }

        output.WriteLine($"{Mutants} damaged issuers: {complete} still completed the chain, {problems} gave an AIA problem, {failures.Count} threw.");
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(10)));
        Assert.True(problems > 0);
    }

    [Fact]
    public async Task An_issuer_with_non_DER_times_from_AIA_is_read_like_a_stored_one()
    {
        await using var repository = new LabHttpServer();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ca = NonCanonicalTimeCertificate.Create("AIA Bad Time", caKey);
        repository.Map("ca.cer", new LabHttpServer.Route(ca));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=aia-bad-time.certheal.test", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(null, [repository.Url("ca.cer")]));
        var now = DateTimeOffset.UtcNow;
        using var leaf = request.Create(new X500DistinguishedName("CN=AIA Bad Time, O=CertHeal Lab"), X509SignatureGenerator.CreateForECDsa(caKey),
            now.AddDays(-1), now.AddDays(30), [0x01, 0x02]);
        using var aia = new AiaFetcher();

        var completion = await ChainCompleter.CompleteAsync([leaf], fixture.Trust, aia, DateTime.UtcNow, default);

        Assert.Empty(completion.AiaProblems);
        Assert.Equal(2, completion.Path.Count);
        Assert.True(completion.ReachesRoot);
        Assert.Equal(ca, NonCanonicalCertificate.Der(completion.Path[1]));
        Assert.Equal(2025, ChainCertificateFactory.Create(completion.Path[1], "t", 1, CertificateSource.Aia, DateTime.UtcNow).NotBefore.Year);
    }

    [Fact]
    public async Task A_PKCS12_answer_is_refused_not_opened()
    {
        await using var repository = new LabHttpServer();
        repository.Map("issuer.p12", new LabHttpServer.Route(fixture.Lab.Trusted.Intermediate.Export(X509ContentType.Pkcs12)));
        using var aia = new AiaFetcher();

        var fetch = await aia.FetchAsync(repository.Url("issuer.p12"), default);

        Assert.Empty(fetch.Certificates);
        Assert.Contains("did not return a DER certificate or PKCS#7 bundle", fetch.Error);
    }

    [Fact]
    public void A_captured_chain_keeps_the_certificates_the_platform_can_load()
    {
        var good = fixture.Lab.Trusted.Intermediate.RawData;
        var bad = (byte[])good.Clone();
        bad[1] ^= 0x7F; // the outer length: no loader takes it
        var loaded = BouncyCastleFallback.Loadable([bad, good, [0x30, 0x00]]);

        Assert.Equal(good, Assert.Single(loaded).RawData);
    }

    [Fact]
    public void A_presented_certificate_with_non_DER_times_is_read_like_a_stored_one()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = NonCanonicalTimeCertificate.Create("Presented Bad Time", caKey);
#pragma warning disable SYSLIB0057 // the TLS stack's own copy: lazily parsed, as SslStream hands it over
        using var platform = new X509Certificate2(der);
#pragma warning restore SYSLIB0057

        var readable = PresentedChain.Readable(platform);

        Assert.NotNull(readable);
        Assert.Equal(der, NonCanonicalCertificate.Der(readable));
        Assert.Equal(2025, readable.NotBefore.ToUniversalTime().Year);
    }

    private static void Read(X509Certificate2 certificate, CertificateSource source)
    {
        _ = ChainCertificateFactory.Create(certificate, "aia.certheal.test:443", 1, source, DateTime.UtcNow);
        _ = RevocationUrls.Ocsp(certificate);
        _ = RevocationUrls.Crl(certificate);
        _ = CertificateFacts.CaIssuersUrls(certificate);
    }

    /// <summary>A certs-only PKCS#7 (SignedData without signers) holding <paramref name="der"/> as it is.</summary>
    private static byte[] Pkcs7(byte[] der)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("1.2.840.113549.1.7.2");
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            using (writer.PushSequence())
            {
                writer.WriteInteger(1);
                writer.PushSetOf();
                writer.PopSetOf();
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier("1.2.840.113549.1.7.1");
                }
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    writer.WriteEncodedValue(der);
                }
                writer.PushSetOf();
                writer.PopSetOf();
            }
        }
        return writer.Encode();
    }
}
