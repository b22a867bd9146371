using CertHeal.Lab;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// A certificate file with non-canonical validity times (pyca x509/badasn1time.pem, UTCTime
/// without seconds): Merge-Keystore takes it into a JKS with its original bytes, and
/// Confirm-Keystore lists it with a NonCanonicalTime warning instead of Unreadable.
/// </summary>
public sealed class NonCanonicalTimeTests(PsLab lab) : IClassFixture<PsLab>
{
    private const string Password = "changeit";

    [Fact]
    public async Task Merge_Keystore_takes_a_certificate_file_with_non_canonical_times_and_Confirm_Keystore_warns_about_it()
    {
        var der = NonCanonicalTimeCertificate.Create("Bad Time Hosted");
        var folder = lab.NewFolder();
        var file = Path.Combine(folder, "badasn1time.pem");
        await File.WriteAllTextAsync(file, NonCanonicalTimeCertificate.Pem(der));
        var path = Path.Combine(folder, "truststore.jks");
        using var pw = Secrets.Of(Password);
        using var ps = PsSession.NoUi();

        var merged = ps.Run("param($Path, $Pw, $File) Merge-Keystore -Path $Path -Password $Pw -Certificate $File -TrustPolicy TrustOnFirstUse -Force",
            new() { ["Path"] = path, ["Pw"] = pw, ["File"] = file });
        var confirmed = ps.Run("param($Path, $Pw) Confirm-Keystore -Path $Path -Password $Pw", new() { ["Path"] = path, ["Pw"] = pw });
        var codes = ps.Run("param($Path, $Pw) (Confirm-Keystore -Path $Path -Password $Pw).Findings | ForEach-Object Code", new() { ["Path"] = path, ["Pw"] = pw });

        merged.AssertNoErrors();
        Assert.Equal(1, merged.Single().Value<int>("Added"));
        confirmed.AssertNoErrors();
        Assert.Equal(1, confirmed.Single().Value<int>("EntryCount"));
        Assert.True(confirmed.Single().Value<bool>("IsValid"));
        codes.AssertNoErrors();
        Assert.Equal(["NonCanonicalTime"], codes.Output.Select(o => o.BaseObject.ToString()));

        var list = await KeystoreTests.Run("keytool", "-list", "-rfc", "-keystore", path, "-storetype", "JKS", "-storepass", Password);
        Assert.Contains(NonCanonicalTimeCertificate.Pem(der).Trim(), list.Replace("\r", ""));
    }
}
