using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>MADD/MSUB, the long multiply-adds, SMULH/UMULH (<c>Ra</c> = addend, <c>Op</c> = 1 to subtract) and UDIV/SDIV.</summary>
internal static unsafe class Multiply
{
    public static void MultiplyAdd(Arm64Cpu c, ref A64Instruction d)
    {
        var product = c.R[d.Rn] * c.R[d.Rm];
        var r = d.Op != 0 ? c.R[d.Ra] - product : c.R[d.Ra] + product;
        c.R[d.Rd] = d.Is64 ? r : (uint)r;
    }

    public static void SignedMultiplyAddLong(Arm64Cpu c, ref A64Instruction d)
    {
        var product = (ulong)((long)(int)c.R[d.Rn] * (int)c.R[d.Rm]);
        c.R[d.Rd] = d.Op != 0 ? c.R[d.Ra] - product : c.R[d.Ra] + product;
    }

    public static void UnsignedMultiplyAddLong(Arm64Cpu c, ref A64Instruction d)
    {
        var product = (ulong)(uint)c.R[d.Rn] * (uint)c.R[d.Rm];
        c.R[d.Rd] = d.Op != 0 ? c.R[d.Ra] - product : c.R[d.Ra] + product;
    }

    public static void Smulh(Arm64Cpu c, ref A64Instruction d) =>
        c.R[d.Rd] = (ulong)Math.BigMul((long)c.R[d.Rn], (long)c.R[d.Rm], out _);

    public static void Umulh(Arm64Cpu c, ref A64Instruction d) =>
        c.R[d.Rd] = Math.BigMul(c.R[d.Rn], c.R[d.Rm], out _);

    /// <summary>UDIV: division by zero gives 0 (no trap on A64).</summary>
    public static void Udiv(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = UdivValue(c.R[d.Rn], c.R[d.Rm], d.Is64);

    /// <summary>SDIV: division by zero gives 0, MIN / -1 gives MIN, rounding toward zero.</summary>
    public static void Sdiv(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = SdivValue(c.R[d.Rn], c.R[d.Rm], d.Is64);

    /// <summary>UDIV as a pure function, shared with compiled code (not inlined there: a division is slow anyway).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong UdivValue(ulong n, ulong m, bool is64)
    {
        if (is64)
            return m == 0 ? 0 : n / m;
        return (uint)m == 0 ? 0 : (uint)n / (uint)m;
    }

    /// <summary>SDIV as a pure function, shared with compiled code (not inlined there).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ulong SdivValue(ulong x, ulong y, bool is64)
    {
        if (is64)
        {
            long n = (long)x, m = (long)y;
            return m == 0 ? 0 : m == -1 ? (ulong)(0 - n) : (ulong)(n / m);
        }
        int n32 = (int)x, m32 = (int)y;
        return m32 == 0 ? 0 : m32 == -1 ? (uint)(0 - n32) : (uint)(n32 / m32);
    }
}
