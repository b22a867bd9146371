namespace CertHeal.Tests.Discovery;

/// <summary>Asks the machine with plain shell tools (readlink, grep), independently of the code under test.</summary>
internal static class RealMachine
{
    public static string Shell(string command)
    {
        var result = Tools.RunAsync("/bin/sh", ["-c", command]).GetAwaiter().GetResult();
        Assert.True(result.Code == 0, $"{command}: {result.Stderr}");
        return result.Stdout;
    }
}
