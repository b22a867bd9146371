using CertHeal.Chains;
using CertHeal.Lab;

namespace CertHeal.Tests.Hooks;

/// <summary>
/// The upgrade wipes, for real: update-ca-certificates regenerating the OS bundle and a JDK package
/// upgrade replacing its cacerts, with the Debian-way merge and the hooks that heal them. Each runs
/// hooks-namespace.sh in a private mount namespace whose overlays keep every write away from the
/// machine's /etc, /usr/local, /var and /opt; the built certheal runs inside it, as the hooks do.
/// </summary>
public sealed class HooksNamespaceTests
{
    [SkippableFact]
    public async Task A_patched_root_is_wiped_by_update_ca_certificates_the_Debian_way_survives_fresh_and_the_hook_brings_a_lost_one_back_bundle_or_folder()
    {
        var steps = await RunAsync("bundle");

        var baseCount = int.Parse(steps["base-count"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(baseCount + 1, int.Parse(steps["patched-count"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(baseCount, int.Parse(steps["after-update-count"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("no", steps["after-update-has-root"]);
        Assert.Equal(baseCount + 1, int.Parse(steps["merge-count"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Matches(@"^hooks-namespace-root-ca-[0-9a-f]{16}\.crt$", steps["source-files"].Trim());
        Assert.Equal("Changed:false", steps["remerge-changed"]);
        Assert.Equal("yes", steps["remerge-untouched"]);
        Assert.Equal(baseCount + 1, int.Parse(steps["fresh-count"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("yes", steps["fresh-has-root"]);
        Assert.Equal("no", steps["lost-has-root"]);
        Assert.Equal("yes", steps["hook-has-root"]);
        Assert.Equal(steps["source-files"], steps["hook-source-files"]);
        Assert.Equal("yes", steps["hook-fresh-has-root"]);
        Assert.Equal("1", steps["log"]);
        Assert.Equal("1", steps["folder-sources"]);
        Assert.Equal("1", steps["folder-in-bundle"]);
        Assert.Equal("1", steps["folder-link"]);
    }

    [SkippableFact]
    public async Task A_hook_applies_no_ledger_a_user_could_write_and_logs_why()
    {
        var steps = await RunAsync("unsafe-ledger");

        Assert.Equal("0", steps["update-exit"]);
        Assert.Equal("no", steps["unsafe-has-root"]);
        Assert.Equal("1", steps["unsafe-log"]);
    }

    [SkippableFact]
    public async Task A_hook_whose_certheal_fails_or_hangs_exits_0_within_its_bound_so_apt_and_update_ca_certificates_succeed()
    {
        var steps = await RunAsync("bad-cli");

        Assert.Equal("0", steps["failing-exit"]);
        Assert.Equal("1", steps["failing-log"]);
        Assert.Equal("0", steps["hanging-apt-exit"]);
        Assert.Equal("yes", steps["hanging-seconds-under-60"]);
        Assert.Equal("0", steps["hanging-update-exit"]);
        Assert.Equal("1", steps["hanging-log"]);
    }

    [SkippableFact]
    public async Task A_JDK_package_upgrade_wipes_the_healed_cacerts_entry_and_the_dpkg_hook_puts_it_back()
    {
        var steps = await RunAsync("jdk");

        Assert.Equal("1", steps["v1-installed"]);
        Assert.Equal("2", steps["merged-list"]);
        Assert.Equal("2", steps["v2-installed"]);
        Assert.Equal("1", steps["nohook-list"]);
        Assert.Equal("2", steps["hook-installed"]);
        Assert.Equal("2", steps["hook-list"]);
        Assert.Equal("1", steps["hook-log"]);
    }

    [SkippableFact]
    public async Task Forget_takes_the_root_s_source_so_neither_update_ca_certificates_nor_the_JDK_upgrade_brings_it_back_while_the_other_healed_root_returns()
    {
        var steps = await RunAsync("forget");

        Assert.Equal("yes yes yes yes", steps["healed"]);
        Assert.Equal("0", steps["install-exit"]);
        Assert.Equal("yes", steps["whatif-untouched"]);
        Assert.Equal("0", steps["forget-exit"]);
        Assert.Equal("2", steps["forget-stores"]);
        Assert.Equal("1", steps["forget-regenerated"]);
        Assert.Equal("0", steps["forget-sources"]);
        Assert.Equal("1", steps["forget-retired"]);
        Assert.Equal("0", steps["forget-link"]);
        Assert.Equal("no yes no yes", steps["forgotten"]);
        Assert.Equal("no yes", steps["after-update"]);
        Assert.Equal("no yes", steps["after-fresh"]);
        Assert.Equal("2", steps["v2-installed"]);
        Assert.Equal("no yes no yes", steps["after-upgrade"]);
        Assert.Equal("yes", steps["vendor-kept"]);
        // A distro root: patched out now, the exact `!` line named, ca-certificates.conf left alone, and back after the next run.
        Assert.Equal("0", steps["distro-exit"]);
        Assert.Equal("no", steps["distro-in-bundle"]);
        Assert.Equal("1", steps["distro-line"]);
        Assert.Equal("0", steps["distro-conf-untouched"]);
        Assert.Equal("yes", steps["distro-back"]);
    }

    private static async Task<Dictionary<string, string>> RunAsync(string scenario)
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "the wipes need root: mount namespaces, update-ca-certificates and apt-get");
        foreach (var tool in new[] { "/usr/bin/unshare", "/usr/sbin/update-ca-certificates", "/usr/bin/dpkg-deb", "/usr/bin/apt-get", "/usr/bin/keytool", "/usr/bin/openssl" })
        {
            Skip.IfNot(File.Exists(tool), $"{tool} is missing (util-linux, ca-certificates, dpkg, apt, default-jdk-headless, openssl)");
        }
        var work = Directory.CreateTempSubdirectory("certheal-hooks-").FullName;
        try
        {
            using var lab = LabHierarchy.Create("Hooks Namespace");
            await File.WriteAllTextAsync(Path.Combine(work, "root.pem"), lab.Root.ExportCertificatePem() + "\n");
            await File.WriteAllTextAsync(Path.Combine(work, "FINGERPRINT"), CertificateFacts.Sha256Fingerprint(lab.Root));
            var script = Path.Combine(Tools.RepoRoot, "tests", "CertHeal.Engine.Tests", "Hooks", "hooks-namespace.sh");
            var (code, stdout, stderr) = await Tools.RunAsync("/usr/bin/unshare", ["--mount", "--propagation", "private", "bash", script, work, scenario],
                timeoutSeconds: 300, environment: new Dictionary<string, string> { ["CERTHEAL_DLL"] = Path.Combine(AppContext.BaseDirectory, "certheal.dll") });
            Assert.True(code == 0, $"{scenario} exited {code}: {stdout}\n{stderr}");
            return stdout.Split('\n').Where(l => l.StartsWith("STEP ", StringComparison.Ordinal)).Select(l => l[5..].Split(' ', 2))
                .ToDictionary(p => p[0], p => p.Length > 1 ? p[1].Trim() : "");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
