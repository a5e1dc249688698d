using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Loads and stores. <c>Rd</c> = Rt, <c>Ra</c> = Rt2 (pairs), <c>Rn</c> = base (31 = SP), <c>Size</c> =
/// bytes per register, <c>Imm</c> = offset; <c>Op</c> carries <see cref="A64Decoder.LoadSigned"/> flags.
/// Register offsets: <c>Rm</c> extended by option <c>Ra</c> and shifted by <c>Imm2</c>. Exclusives keep a
/// one-entry monitor; <c>Rm</c> receives the store status.
/// </summary>
internal static unsafe class LoadStore
{
    public static void LoadOffset(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Load(c, ref d, c.R[d.Rn] + d.Imm);

    public static void StoreOffset(Arm64Cpu c, ref A64Instruction d) => c.Write(c.R[d.Rn] + d.Imm, d.Size, c.R[d.Rd]);

    public static void LoadPre(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn] + d.Imm;
        var value = Load(c, ref d, address);
        c.R[d.Rn] = address;
        c.R[d.Rd] = value;
    }

    public static void LoadPost(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn];
        var value = Load(c, ref d, address);
        c.R[d.Rn] = address + d.Imm;
        c.R[d.Rd] = value;
    }

    public static void StorePre(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn] + d.Imm;
        c.Write(address, d.Size, c.R[d.Rd]);
        c.R[d.Rn] = address;
    }

    public static void StorePost(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn];
        c.Write(address, d.Size, c.R[d.Rd]);
        c.R[d.Rn] = address + d.Imm;
    }

    public static void LoadRegister(Arm64Cpu c, ref A64Instruction d) =>
        c.R[d.Rd] = Load(c, ref d, c.R[d.Rn] + Arithmetic.Extend(c.R[d.Rm], d.Ra, (int)d.Imm2));

    public static void StoreRegister(Arm64Cpu c, ref A64Instruction d) =>
        c.Write(c.R[d.Rn] + Arithmetic.Extend(c.R[d.Rm], d.Ra, (int)d.Imm2), d.Size, c.R[d.Rd]);

    public static void LoadLiteral(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Load(c, ref d, c.Pc + d.Imm);

    public static void LoadPair(Arm64Cpu c, ref A64Instruction d) => LoadPairAt(c, ref d, c.R[d.Rn] + d.Imm);

    public static void LoadPairPre(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn] + d.Imm;
        var (first, second) = ReadPair(c, ref d, address);
        c.R[d.Rn] = address;
        c.R[d.Rd] = first;
        c.R[d.Ra] = second;
    }

    public static void LoadPairPost(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn];
        var (first, second) = ReadPair(c, ref d, address);
        c.R[d.Rn] = address + d.Imm;
        c.R[d.Rd] = first;
        c.R[d.Ra] = second;
    }

    public static void StorePair(Arm64Cpu c, ref A64Instruction d) => WritePair(c, ref d, c.R[d.Rn] + d.Imm);

    public static void StorePairPre(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn] + d.Imm;
        WritePair(c, ref d, address);
        c.R[d.Rn] = address;
    }

    public static void StorePairPost(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn];
        WritePair(c, ref d, address);
        c.R[d.Rn] = address + d.Imm;
    }

    public static void LoadExclusive(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn];
        var value = c.Read(address, d.Size);
        c.SetExclusiveMonitor(address, d.Size);
        c.R[d.Rd] = value;
    }

    public static void StoreExclusive(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn];
        var value = c.R[d.Rd];
        var ok = c.CheckExclusiveMonitor(address, d.Size);
        if (ok)
            c.Write(address, d.Size, value);
        c.R[d.Rm] = ok ? 0UL : 1UL;
    }

    public static void LoadExclusivePair(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn];
        var first = c.Read(address, d.Size);
        var second = c.Read(address + d.Size, d.Size);
        c.SetExclusiveMonitor(address, d.Size * 2);
        c.R[d.Rd] = first;
        c.R[d.Ra] = second;
    }

    public static void StoreExclusivePair(Arm64Cpu c, ref A64Instruction d)
    {
        var address = c.R[d.Rn];
        ulong first = c.R[d.Rd], second = c.R[d.Ra];
        var ok = c.CheckExclusiveMonitor(address, d.Size * 2);
        if (ok)
        {
            c.Write(address, d.Size, first);
            c.Write(address + d.Size, d.Size, second);
        }
        c.R[d.Rm] = ok ? 0UL : 1UL;
    }

    private static void LoadPairAt(Arm64Cpu c, ref A64Instruction d, ulong address)
    {
        var (first, second) = ReadPair(c, ref d, address);
        c.R[d.Rd] = first;
        c.R[d.Ra] = second;
    }

    private static (ulong, ulong) ReadPair(Arm64Cpu c, ref A64Instruction d, ulong address)
    {
        var first = Load(c, ref d, address);
        var second = Load(c, ref d, address + d.Size);
        return (first, second);
    }

    private static void WritePair(Arm64Cpu c, ref A64Instruction d, ulong address)
    {
        ulong first = c.R[d.Rd], second = c.R[d.Ra];
        c.Write(address, d.Size, first);
        c.Write(address + d.Size, d.Size, second);
    }

    /// <summary>Reads <c>Size</c> bytes, sign-extending to 32 or 64 bits when the instruction says so.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Load(Arm64Cpu c, ref A64Instruction d, ulong address)
    {
        var value = c.Read(address, d.Size);
        if ((d.Op & A64Decoder.LoadSigned) == 0)
            return value;
        var signed = A64Decoder.SignExtend(value, d.Size * 8);
        return (d.Op & A64Decoder.LoadSigned64) != 0 ? signed : (uint)signed;
    }
}
