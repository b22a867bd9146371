using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertHeal.Lab;
using CertHeal.Validation;

namespace CertHeal.Tests;

/// <summary>One lab certificate per finding code, each judged the way Confirm-Keystore judges it.</summary>
public sealed class EntryValidatorTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private X509Certificate2 Ca(string name, DateTimeOffset? notAfter = null, KeyKind key = KeyKind.EcdsaP256, HashAlgorithmName? hash = null) =>
        CertificateMint.Issue(new CertificateMint.Spec
        {
            Subject = $"CN={name}",
            IsCertificateAuthority = true,
            Key = key,
            Hash = hash ?? HashAlgorithmName.SHA256,
            NotBefore = Now.AddDays(-10),
            NotAfter = notAfter ?? Now.AddYears(5),
        }, fixture.Lab.Trusted.Root);

    private static ValidatedEntry E(string alias, X509Certificate2? certificate, string? unreadable = null) => new(alias, certificate, unreadable);

    private static List<KeystoreFinding> Judge(params ValidatedEntry[] entries) =>
        EntryValidator.Validate(entries, DateTime.UtcNow, 30).ToList();

    [Fact]
    public void A_healthy_root_and_intermediate_have_no_findings() =>
        Assert.Empty(Judge(E("root", fixture.Lab.Trusted.Root), E("issuing", fixture.Lab.Trusted.Intermediate)));

    [Fact]
    public void Expired_is_an_error()
    {
        var (expired, _) = fixture.Lab.Material(LabScenario.Expired)!.Value;
        var finding = Assert.Single(Judge(E("old", expired)), f => f.Code == FindingCodes.Expired);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Equal("old", finding.Alias);
        Assert.Equal(expired.Thumbprint, finding.Thumbprint);
    }

    [Fact]
    public void NotYetValid_is_an_error()
    {
        var (future, _) = fixture.Lab.Material(LabScenario.NotYetValid)!.Value;
        Assert.Contains(Judge(E("future", future)), f => f.Code == FindingCodes.NotYetValid && f.Severity == FindingSeverity.Error);
    }

    [Fact]
    public void ExpiringSoon_is_a_warning_inside_the_window_only()
    {
        var soon = Ca("Soon CA", Now.AddDays(10));
        var later = Ca("Later CA", Now.AddDays(60));
        var findings = Judge(E("soon", soon), E("later", later));
        var finding = Assert.Single(findings);
        Assert.Equal((FindingCodes.ExpiringSoon, "soon", FindingSeverity.Warning), (finding.Code, finding.Alias, finding.Severity));
    }

    [Fact]
    public void WeakSignature_warns_about_SHA1_below_a_root_and_only_informs_about_a_SHA1_root()
    {
        var sha1Root = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=Old SHA1 Root", IsCertificateAuthority = true, Key = KeyKind.Rsa2048, Hash = HashAlgorithmName.SHA1 });
        var sha1Intermediate = CertificateMint.Issue(new CertificateMint.Spec { Subject = "CN=SHA1 CA", IsCertificateAuthority = true, Key = KeyKind.Rsa2048, Hash = HashAlgorithmName.SHA1 }, sha1Root);
        var findings = Judge(E("sha1-ca", sha1Intermediate), E("sha1-root", sha1Root));
        var warning = Assert.Single(findings, f => f.Code == FindingCodes.WeakSignature && f.Severity == FindingSeverity.Warning);
        Assert.Equal("sha1-ca", warning.Alias);
        Assert.Equal("sha1-root", Assert.Single(findings, f => f.Code == FindingCodes.WeakSignature && f.Severity == FindingSeverity.Info).Alias);
    }

    [Fact]
    public void WeakKey_flags_RSA_1024()
    {
        var weak = Ca("Weak CA", key: KeyKind.Rsa1024);
        Assert.Contains(Judge(E("weak", weak)), f => f.Code == FindingCodes.WeakKey && f.Message.Contains("1024-bit RSA"));
    }

    [Fact]
    public void A_server_certificate_used_as_an_anchor_is_info()
    {
        var (leaf, _) = fixture.Lab.Material(LabScenario.GoodChain)!.Value;
        var finding = Assert.Single(Judge(E("pinned-leaf", leaf)));
        Assert.Equal((FindingCodes.NotACertificateAuthority, FindingSeverity.Info), (finding.Code, finding.Severity));
    }

    [Fact]
    public void Duplicate_and_Superseded_compare_entries_with_each_other()
    {
        var older = Ca("Rolled CA", Now.AddYears(1));
        var newer = Ca("Rolled CA", Now.AddYears(3));
        var findings = Judge(E("a", fixture.Lab.Trusted.Intermediate), E("b", fixture.Lab.Trusted.Intermediate), E("rolled", older), E("rolled-2", newer));
        Assert.Contains(findings, f => f.Code == FindingCodes.Duplicate && f.Message.Contains("'a', 'b'"));
        var superseded = Assert.Single(findings, f => f.Code == FindingCodes.Superseded);
        Assert.Equal("rolled", superseded.Alias);
    }

    [Fact]
    public void An_unreadable_entry_is_reported_and_the_rest_still_judged()
    {
        var (expired, _) = fixture.Lab.Material(LabScenario.Expired)!.Value;
        var findings = Judge(E("broken", null, "not a DER certificate"), E("old", expired));
        Assert.Contains(findings, f => f.Code == FindingCodes.Unreadable && f.Alias == "broken" && f.Message.Contains("not a DER certificate"));
        Assert.Contains(findings, f => f.Code == FindingCodes.Expired && f.Alias == "old");
    }
}
