using System.Text.RegularExpressions;

namespace CertHeal.Discovery;

/// <summary>
/// A line or command line as reported, with the secrets it most often carries masked: the user
/// information of URLs (https://user:token@host) and curl's -u/--user value. A finding shows
/// where the switch is, never a password that happens to sit beside it.
/// </summary>
internal static partial class BypassRedaction
{
    public static string Mask(string text)
    {
        try
        {
            return CurlUser().Replace(UserInfo().Replace(text, "://***@"), "${option}***");
        }
        catch (RegexMatchTimeoutException)
        {
            return "(not shown: the line could not be checked for secrets)";
        }
    }

    [GeneratedRegex("""://[^/@\s"'<>]+@""", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex UserInfo();

    [GeneratedRegex("""(?<option>(?<=\s)(-u\s*|--user(\s+|=)|--proxy-user(\s+|=)|-U\s*))[^\s"']+""", RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex CurlUser();
}
