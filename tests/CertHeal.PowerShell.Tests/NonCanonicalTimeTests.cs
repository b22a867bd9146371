using System.Diagnostics;
using System.Security;
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
        var pw = new SecureString();
        foreach (var c in Password)
        {
            pw.AppendChar(c);
        }
        pw.MakeReadOnly();
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

        var info = new ProcessStartInfo("keytool") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-list", "-rfc", "-keystore", path, "-storetype", "JKS", "-storepass", Password })
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Contains(NonCanonicalTimeCertificate.Pem(der).Trim(), (await stdout).Replace("\r", ""));
    }
}
