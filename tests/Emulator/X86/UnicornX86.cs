using LoaderHarness.Tests.Support;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>uc_x86_reg numbers the differential tests use (include/unicorn/x86.h).</summary>
internal static class UnicornX86
{
    /// <summary>uc_x86_reg values of EAX..EDI in encoding order (include/unicorn/x86.h).</summary>
    public static readonly int[] Gpr32 = [19, 22, 24, 21, 30, 20, 29, 23];

    /// <summary>
    /// RAX..RDI in encoding order, then R8..R15. R8 is 91 in Unicorn 2.0.x (Debian bookworm's
    /// libunicorn-dev 2.0.1 x86.h) and 106 from 2.1 on, where CR/DR registers up to 15 were added before it.
    /// </summary>
    public static int[] Gpr64 { get; } = BuildGpr64();

    private static int[] BuildGpr64()
    {
        var r8 = Unicorn.IsAvailable && Unicorn.Version == 0x200 ? 91 : 106;
        var ids = new int[16];
        int[] low = [35, 38, 40, 37, 44, 36, 43, 39];
        low.CopyTo(ids, 0);
        for (var i = 0; i < 8; i++)
            ids[8 + i] = r8 + i;
        return ids;
    }

    public const int Eflags = 25;
}
