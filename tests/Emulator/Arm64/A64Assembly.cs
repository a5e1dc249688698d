using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Tests.Support;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>Test programs assembled by GNU as (binutils-aarch64-linux-gnu); assembled once per source text.</summary>
internal static class A64Assembly
{
    private static readonly Dictionary<string, byte[]> Cache = [];

    /// <summary>The bytes of <paramref name="source"/>; fails under CI and skips locally when the assembler is missing.</summary>
    public static byte[] Assemble(string source)
    {
        Prerequisite.RequireTool(GnuAarch64Assembler.AssemblerTool, GnuAarch64Assembler.AptPackage);
        Prerequisite.RequireTool(GnuAarch64Assembler.ObjcopyTool, GnuAarch64Assembler.AptPackage);
        lock (Cache)
        {
            if (!Cache.TryGetValue(source, out var bytes))
            {
                bytes = GnuAarch64Assembler.Assemble(source);
                Cache[source] = bytes;
            }
            return bytes;
        }
    }
}
