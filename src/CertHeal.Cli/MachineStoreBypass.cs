using System.Runtime.InteropServices;

namespace CertHeal.Cli;

/// <summary>
/// Keeps .NET's own copy of the machine's CA store empty in a probe run. On Linux the runtime reads
/// the whole store (SSL_CERT_FILE's bundle and every file of SSL_CERT_DIR: about 440 certificates
/// on Debian) on a process's first chain build, whatever the trust mode, and SslStream builds a
/// chain on every handshake. CertHeal never trusts through that copy (every chain is built with
/// CustomRootTrust over the anchors it reads itself, TrustAnchors), so reading it was most of a
/// one-target `certheal test`: 130 ms against 28 ms with a one-root store. The runtime finds the
/// store through the C library's environment, read once on that first build; blanking the two
/// variables there (not in .NET's own copy of the environment, which TrustAnchors and child
/// processes read) leaves the runtime's copy empty. Only the CLI's own process does this: a host
/// (pwsh, an app using the handler) shares its process with code that trusts through that copy.
/// </summary>
internal static class MachineStoreBypass
{
    public static void Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        // The native certheal (NativeAOT) reads the C environment directly until the first change
        // (the dotnet tool keeps a copy from start-up); setting a variable to its own value makes that
        // copy now, before the C one is blanked. The native CLI test pass fails without it.
        Environment.SetEnvironmentVariable("SSL_CERT_FILE", Environment.GetEnvironmentVariable("SSL_CERT_FILE"));
        try
        {
            _ = SetEnv("SSL_CERT_FILE", "", 1);
            _ = SetEnv("SSL_CERT_DIR", "", 1);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No C library setenv: the runtime reads the store as usual, which costs time only.
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
