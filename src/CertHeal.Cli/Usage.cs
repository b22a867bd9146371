namespace CertHeal.Cli;

internal static class Usage
{
    /// <summary>The one version of module, CLI and packages (CertHeal.psd1's ModuleVersion, stamped by the build).</summary>
    public static string Version =>
        typeof(Usage).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0]
        ?? typeof(Usage).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// One verb's usage, cut from <see cref="Text"/> so the overview and `certheal VERB --help`
    /// can never disagree: the verb's lines plus the notes that apply to every verb.
    /// </summary>
    public static string? ForVerb(string verb)
    {
        var lines = Text.Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimStart().StartsWith($"certheal {verb} ", StringComparison.Ordinal) || l.Trim() == $"certheal {verb}");
        if (start < 0)
        {
            return null;
        }
        var indent = lines[start].Length - lines[start].TrimStart().Length;
        var end = start + 1;
        // A verb with two forms (merge --remove-distrusted, find --bypasses) has a line per form: all are its usage.
        while (end < lines.Length && lines[end].Trim().Length > 0
            && (lines[end].Length - lines[end].TrimStart().Length > indent || lines[end].TrimStart().StartsWith($"certheal {verb} ", StringComparison.Ordinal)))
        {
            end++;
        }
        var notes = lines.SkipWhile(l => l.Trim().Length > 0).SkipWhile(l => !l.StartsWith("usage:", StringComparison.Ordinal))
            .SkipWhile(l => l.Trim().Length > 0).Skip(1);
        var text = new System.Text.StringBuilder();
        text.Append(lines[0]).Append('\n').Append('\n').Append("usage:\n");
        foreach (var line in lines[start..end])
        {
            text.Append(line).Append('\n');
        }
        text.Append('\n');
        foreach (var line in notes)
        {
            text.Append(line).Append('\n');
        }
        return text.ToString();
    }

    public const string Text = """
        certheal - diagnose and heal TLS trust failures from the client side

        usage:
          certheal test <target>... [--port N] [--sni NAME] [--timeout S] [--protocol Tls12,Tls13]
                                    [--keystore PATH] [--no-aia] [--throttle N] [--json]
                                    [--password-file F | --password-env VAR | --password P]
          certheal chain <target>... [--port N] [--sni NAME] [--timeout S] [--protocol Tls12]
                                     [--out bundle.pem | --out -] [--no-aia] [--keystore PATH] [--json]
                                     [--password-file F | --password-env VAR | --password P]
          certheal merge <keystore> <certificate-file | ->... [--format F]
                         [--password-file F | --password-env VAR | --password P]
                         [--policy ChainToTrusted|Pinned|TrustOnFirstUse] [--trusted-fingerprint SHA256]...
                         [--remove-superseded] [--remove-distrusted] [--force] [--what-if] [--json]
                         [--pkcs12-encryption Aes|Legacy] [--uri URL]... [--skip-validation]
          certheal merge <keystore> --remove-distrusted [--what-if] [--json]   (remove blocked keys and distrusted roots)
          certheal confirm <keystore> [--password-file F | --password-env VAR | --password P] [--format F]
                           [--uri URL]... [--expiring-within DAYS] [--renew-before DAYS] [--json]
          certheal request <https-url> [--method M] [--keystore PATH] [--password-file F | --password-env VAR]
                           [--policy ...] [--trusted-fingerprint SHA256]... [--renew-before DAYS] [--force]
                           [--out FILE] [--user-agent UA] [--what-if] [--json]
          certheal find [--process-id N]... [--all-processes] [--path DIR]... [--depth N] [--steer-to STORE] [--json]
          certheal find --bypasses [--path P]... [--pid N]... [--all-processes] [--depth N] [--json]
                        where certificate validation is switched off (env, command lines, scripts, config);
                        read-only; exit 0 none found, 1 found, 2 a bad --path or --pid. Examples:
                          certheal find --bypasses --path /etc/systemd/system --path ~/.config
                          certheal find --bypasses --all-processes --json | jq -r '.[] | .Location'
                          certheal find --bypasses --pid 4242 --path /srv/app --depth 4
          certheal sync [<keystore>...] [--ledger PATH] [--password-file F | --password-env VAR | --password P]
                        [--what-if] [--json]
          certheal sync --hook [--ledger PATH] [--json]   (what upgrade hooks run: every store of the system ledger, exit 0 always)
          certheal hook install|remove|status [--kind UpdateCaCertificates|DpkgPostInvoke] [--ledger PATH]
                        [--cli PATH] [--timeout S] [--what-if] [--json]
                        re-apply the system ledger (/var/lib/certheal/ledger.json) after every update-ca-certificates
                        and dpkg run, running this certheal (or --cli PATH) bounded by --timeout (default 300 s);
                        status exits 1 when a hook is absent or stale. Examples:
                          sudo certheal hook install
                          sudo certheal hook install --kind DpkgPostInvoke --what-if --json
                          certheal hook status --ledger /var/lib/certheal/ledger.json
          certheal forget --fingerprint SHA256 [--keystore PATH]... [--ledger PATH] [--format F]
                          [--password-file F | --password-env VAR | --password P] [--what-if] [--json]
                          undo a heal: remove a trusted certificate (never a private-key entry) from the
                          stores named, else every store the ledger wrote it into, and mark it forgotten
                          so sync and merges leave it out until a merge names it with --trusted-fingerprint;
                          exit 0 forgotten, 1 a store kept it (private key), 2 matches nothing or a store failed
                          examples:
                            certheal forget --fingerprint 3F1A...C9 --what-if
                            certheal forget --fingerprint 3F1A...C9 --keystore /etc/ssl/certs/ca-certificates.crt
                            certheal forget --fingerprint 3F1A...C9 --keystore cacerts --password-env STOREPASS --json
          certheal ledger prune [--ledger PATH] [--absent-days N] [--what-if] [--json]
          certheal demo [--json]

        Targets are host, host:port, [v6]:port or https://host:port/path.
        A <keystore> may be sql:DIR: an NSS database (Firefox profile, ~/.pki/nssdb), changed by certutil.
        Exit codes: 0 success, 1 the check failed, 2 usage or input error.
        --json prints the objects with the same property names as the PowerShell cmdlets.
        merge, request and ledger prune --json print one object, sync --json {"Changed": ..., "Changes": [...]};
          Changed is true when a store or the ledger was written (with --what-if: would be), false on a rerun.
        --verbose adds detail to errors (and, for find, the places skipped).
        find --process-id names, per process whose runtime is known (node, python, java, git, openssl), the switch
          that makes it read the healed store (--steer-to, default the per-user keystore; a JVM's own store), e.g.
          certheal find --process-id 4242 --steer-to /etc/myapp/ca.pem
            -> steer process 4242 (Node): export NODE_EXTRA_CA_CERTS=/etc/myapp/ca.pem
        merge never writes a certificate with a blocked key (Chromium's SPKI blocklist), whatever the policy or consent.
        merge records what it adds in the trust ledger (--ledger, $CERTHEAL_LEDGER, ~/.certheal/ledger.json);
        confirm --ledger reports ledger entries a keystore lacks (LedgerDrift) and the ledger's own health; sync re-applies them.
        forget marks the ledger entry Forgotten (when, by whom); sync skips it ("forgotten on <date>"), confirm --ledger
          does not report it missing, and TrustOnFirstUse or ChainToTrusted merges refuse it.
        merge into /etc/ssl/certs/ca-certificates.crt (or /etc/ssl/certs) where update-ca-certificates exists writes
          /usr/local/share/ca-certificates/certheal/<name>.crt and runs update-ca-certificates, so upgrades keep it.
        ledger prune forgets stores that no longer exist (only those missing for N days with --absent-days); merges never prune.
        Prefer --password-file or --password-env: --password is visible in process lists.
        test, chain, merge, confirm and request take --revocation off|soft|hard (default soft): OCSP, then CRL;
          revoked fails (and is never merged), unknown fails only with hard.
        Connecting verbs (test, chain, confirm --uri, request) also take:
          --proxy URL [--proxy-user U --proxy-password-env VAR] | --no-proxy   (default: HTTPS_PROXY, NO_PROXY)
          --starttls Smtp|Imap|Pop3|Ftp|Ldap|Postgres|MySql|Xmpp   (smtp://, ldap://, postgres://... imply it)
          --client-cert FILE [--client-cert-password-file F | --client-cert-password-env VAR]
          -4 | -6 | --address-family InterNetwork|InterNetworkV6   --all-addresses

        """;
}
