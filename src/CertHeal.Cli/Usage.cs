namespace CertHeal.Cli;

internal static class Usage
{
    public const string Text = """
        certheal - diagnose and heal TLS trust failures from the client side

        usage:
          certheal test <target>... [--port N] [--sni NAME] [--timeout S] [--protocol Tls12,Tls13]
                                    [--keystore PATH [--password-file F | --password-env VAR | --password P]] [--no-aia] [--throttle N] [--json]
          certheal chain <target>... [--out bundle.pem | --out -] [--no-aia] [--keystore PATH [--password-file F | --password-env VAR]] [--json]
          certheal merge <keystore> <certificate-file | ->... [--format F]
                         [--password-file F | --password-env VAR | --password P]
                         [--policy ChainToTrusted|Pinned|TrustOnFirstUse] [--trusted-fingerprint SHA256]...
                         [--remove-superseded] [--force] [--what-if] [--json]
          certheal confirm <keystore> [--password-file F | --password-env VAR | --password P] [--format F]
                           [--uri URL]... [--expiring-within DAYS] [--renew-before DAYS] [--json]
          certheal request <https-url> [--method M] [--keystore PATH] [--password-file F | --password-env VAR]
                           [--policy ...] [--trusted-fingerprint SHA256]... [--renew-before DAYS] [--force]
                           [--what-if] [--json]
          certheal demo [--json]

        Targets are host, host:port, [v6]:port or https://host:port/path.
        Exit codes: 0 success, 1 the check failed, 2 usage or input error.
        --json prints the objects with the same property names as the PowerShell cmdlets.
        --verbose adds detail to errors.
        Prefer --password-file or --password-env: --password is visible in process lists.

        """;
}
