using System.Diagnostics;
using CertHeal.PowerShell.Tests.Harness;

namespace CertHeal.PowerShell.Tests;

/// <summary>
/// Merge-Keystore, Confirm-Keystore and Find-Keystore on an NSS database named NSS's way
/// (`sql:DIR`, relative too: only the folder goes through the provider), in real runspaces over
/// the shipped module and a database certutil made; certutil lists what the cmdlets wrote.
/// </summary>
public sealed class NssKeystoreTests(PsLab lab) : IClassFixture<PsLab>
{
    private static bool HasCertutil => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "certutil")));

    private static string Certutil(params string[] args)
    {
        var info = new ProcessStartInfo("certutil") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(30_000), "certutil did not finish within 30 s");
        Assert.True(process.ExitCode == 0, error.Result);
        return output.Result;
    }

    private string NewDatabase(string folder)
    {
        var db = Path.Combine(folder, "nssdb");
        Directory.CreateDirectory(db);
        Certutil("-N", "-d", "sql:" + db, "--empty-password");
        return db;
    }

    [SkippableFact]
    public void Merge_Confirm_and_Find_Keystore_work_on_a_sql_path()
    {
        Skip.IfNot(HasCertutil, "needs NSS's certutil: install libnss3-tools");
        var folder = lab.NewFolder();
        var db = NewDatabase(folder);
        using var ps = PsSession.NoUi();
        ps.SetLocation(folder);

        var result = ps.Run("""
            param($Root, $Intermediate, $Pin, $Ledger, $Folder)
            $change = Merge-Keystore -Path sql:./nssdb -Certificate $Root, $Intermediate -TrustPolicy Pinned -TrustedFingerprint $Pin -LedgerPath $Ledger
            $again = Merge-Keystore -Path sql:./nssdb -Certificate $Root, $Intermediate -TrustPolicy Pinned -TrustedFingerprint $Pin -LedgerPath $Ledger
            $report = Confirm-Keystore -Path sql:./nssdb
            $found = @(Find-Keystore -Path $Folder)
            [pscustomobject]@{ Change = $change; Again = $again; Report = $report; Found = $found }
            """, new() { ["Root"] = lab.Lab.Trusted.Root, ["Intermediate"] = lab.Lab.Trusted.Intermediate, ["Pin"] = PsLab.Sha256(lab.Lab.Trusted.Root),
                ["Ledger"] = Path.Combine(folder, "ledger.json"), ["Folder"] = folder });

        result.AssertNoErrors();
        var all = result.Single();
        var change = (System.Management.Automation.PSObject)all.Properties["Change"].Value;
        Assert.Equal("sql:" + db, change.Properties["Path"].Value);
        Assert.Equal("Nss", change.Properties["Format"].Value);
        Assert.Equal(2, change.Properties["Added"].Value);
        Assert.Equal(true, change.Properties["Written"].Value);
        var again = (System.Management.Automation.PSObject)all.Properties["Again"].Value;
        Assert.Equal(false, again.Properties["Written"].Value);
        Assert.Equal(2, again.Properties["Unchanged"].Value);
        var listing = Certutil("-L", "-d", "sql:" + db);
        Assert.Contains(listing.Split('\n'), l => l.StartsWith("CertHeal Lab Root", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" C,,", StringComparison.Ordinal));
        Assert.Contains(listing.Split('\n'), l => l.StartsWith(lab.Lab.Trusted.Intermediate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false) + " [", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" ,,", StringComparison.Ordinal));
        var report = (System.Management.Automation.PSObject)all.Properties["Report"].Value;
        Assert.Equal(true, report.Properties["IsValid"].Value);
        Assert.Equal("Nss", report.Properties["Format"].Value);
        // The database once: not its SQLite files, nor the copies in CertHeal's backup folder.
        var found = Assert.Single((object[])all.Properties["Found"].Value);
        var location = System.Management.Automation.PSObject.AsPSObject(found);
        Assert.Equal("sql:" + db, location.Properties["Path"].Value);
        Assert.Equal("NssDatabase", location.Properties["Kind"].Value.ToString());
        Assert.Equal(2, location.Properties["EntryCount"].Value); // every certificate NSS holds, the intermediate too
    }

    [SkippableFact]
    public void Remove_KeystoreEntry_takes_a_healed_root_out_of_a_sql_path_from_the_ledger_and_WhatIf_leaves_it()
    {
        Skip.IfNot(HasCertutil, "needs NSS's certutil: install libnss3-tools");
        var folder = lab.NewFolder();
        var db = NewDatabase(folder);
        using var ps = PsSession.NoUi();
        ps.SetLocation(folder);

        var result = ps.Run("""
            param($Root, $Intermediate, $Pin, $Ledger)
            $null = Merge-Keystore -Path sql:./nssdb -Certificate $Root, $Intermediate -TrustPolicy Pinned -TrustedFingerprint $Pin -LedgerPath $Ledger
            $planned = Remove-KeystoreEntry -Fingerprint $Pin -Keystore sql:./nssdb -LedgerPath $Ledger -WhatIf
            $listed = certutil -L -d sql:./nssdb | Out-String
            $removed = Remove-KeystoreEntry -Fingerprint $Pin -LedgerPath $Ledger
            [pscustomobject]@{ Planned = $planned; Listed = $listed; Removed = $removed }
            """, new() { ["Root"] = lab.Lab.Trusted.Root, ["Intermediate"] = lab.Lab.Trusted.Intermediate, ["Pin"] = PsLab.Sha256(lab.Lab.Trusted.Root),
                ["Ledger"] = Path.Combine(folder, "ledger.json") });

        result.AssertNoErrors();
        var all = result.Single();
        Assert.Contains("CertHeal Lab Root", all.Properties["Listed"].Value?.ToString(), StringComparison.Ordinal);
        var removed = System.Management.Automation.PSObject.AsPSObject(all.Properties["Removed"].Value);
        Assert.Equal("sql:" + db, removed.Properties["Path"].Value);
        Assert.Equal(true, removed.Properties["Written"].Value);
        Assert.Equal(1, removed.Properties["Removed"].Value);
        var listing = Certutil("-L", "-d", "sql:" + db);
        Assert.DoesNotContain(listing.Split('\n'), l => l.StartsWith("CertHeal Lab Root", StringComparison.Ordinal));
        Assert.Contains(listing.Split('\n'), l => l.TrimEnd().EndsWith(" ,,", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void A_password_protected_database_is_a_KeystorePassword_error_naming_it_and_a_plain_folder_a_KeystoreNotFound()
    {
        Skip.IfNot(HasCertutil, "needs NSS's certutil: install libnss3-tools");
        var folder = lab.NewFolder();
        var db = Path.Combine(folder, "locked");
        Directory.CreateDirectory(db);
        var passwordFile = Path.Combine(folder, "pw.txt");
        File.WriteAllText(passwordFile, "Nss-Primary-Pw-4411\n");
        Certutil("-N", "-d", "sql:" + db, "-f", passwordFile);
        var plain = Path.Combine(folder, "plain");
        Directory.CreateDirectory(plain);
        using var ps = PsSession.NoUi();

        var locked = ps.Run("param($Db, $Root, $Pin, $Ledger) Merge-Keystore -Path \"sql:$Db\" -Certificate $Root -TrustPolicy Pinned -TrustedFingerprint $Pin -LedgerPath $Ledger",
            new() { ["Db"] = db, ["Root"] = lab.Lab.Trusted.Root, ["Pin"] = PsLab.Sha256(lab.Lab.Trusted.Root), ["Ledger"] = Path.Combine(folder, "ledger.json") });
        var missing = ps.Run("param($Db) Confirm-Keystore -Path \"sql:$Db\"", new() { ["Db"] = plain });

        var error = locked.Error("CertHeal.KeystorePassword");
        Assert.Contains("protected by a password", error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Nss-Primary-Pw-4411", locked.Describe(), StringComparison.Ordinal);
        Assert.DoesNotContain("C,,", Certutil("-L", "-d", "sql:" + db), StringComparison.Ordinal);
        Assert.Contains("holds no NSS database", missing.Error("CertHeal.KeystoreNotFound").Exception.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(plain));
    }
}
