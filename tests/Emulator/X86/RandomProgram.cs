using Iced.Intel;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// Generates random valid integer instruction sequences for differential testing. Register operands come
/// from a pool that excludes the stack pointer and the frame register (which holds the data-area base);
/// memory operands are <c>[bp + disp]</c> inside the data area. Flags that an instruction leaves undefined
/// (Iced's RflagsUndefined) are tracked; before an instruction reads flags a CMP defines them all again,
/// and the final comparison ignores the ones still undefined.
/// </summary>
internal sealed class RandomProgram
{
    private static readonly string[] Alu = ["Add", "Or", "Adc", "Sbb", "And", "Sub", "Xor", "Cmp"];
    private static readonly string[] Shifts = ["Rol", "Ror", "Rcl", "Rcr", "Shl", "Shr", "Sar"];
    private static readonly string[] Conditions = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

    private readonly Random _rng;
    private readonly int _bitness;
    private readonly ulong _origin;
    private readonly List<Instruction> _list = [];
    private readonly int[] _pool;
    private RflagsBits _undefined;

    /// <summary>Data area of 256 bytes addressed through BP/EBP/RBP.</summary>
    public const int DataSize = 256;

    private RandomProgram(Random rng, int bitness, ulong origin)
    {
        _rng = rng;
        _bitness = bitness;
        _origin = origin;
        _pool = bitness == 64 ? [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : [0, 1, 2, 3, 6, 7];
    }

    /// <summary>The encoded program and the RFLAGS bits still undefined at its end.</summary>
    public static (byte[] Code, ulong UndefinedFlags, string Listing) Generate(Random rng, int bitness, ulong origin, int count)
    {
        var p = new RandomProgram(rng, bitness, origin);
        for (var i = 0; i < count; i++)
            p.EmitOne();
        return p.Encode();
    }

    private (byte[], ulong, string) Encode()
    {
        using var stream = new MemoryStream();
        var writer = new StreamCodeWriter(stream);
        var encoder = Encoder.Create(_bitness, writer);
        var listing = new System.Text.StringBuilder();
        var formatter = new IntelFormatter();
        var output = new StringOutput();
        var ip = _origin;
        foreach (var instr in _list)
        {
            var copy = instr;
            ip += (ulong)encoder.Encode(copy, ip);
            formatter.Format(copy, output);
            listing.AppendLine(output.ToStringAndReset());
        }
        return (stream.ToArray(), ToRflags(_undefined), listing.ToString());
    }

    private int Size() => _bitness == 64 ? _rng.Next(4) switch { 0 => 1, 1 => 2, 2 => 4, _ => 8 } : _rng.Next(3) switch { 0 => 1, 1 => 2, _ => 4 };

    private Register Reg(int size, int index)
    {
        return size switch
        {
            8 => Register.RAX + index,
            4 => Register.EAX + index,
            2 => Register.AX + index,
            _ => _bitness == 64 ? (index < 4 ? Register.AL + index : Register.SPL + index - 4) : (index < 4 ? Register.AL + index : Register.AH + (index == 6 ? 0 : 1)),
        };
    }

    private Register RandomReg(int size) => Reg(size, _pool[_rng.Next(_pool.Length)]);

    private MemoryOperand Mem(int size)
    {
        var baseReg = _bitness == 64 ? Register.RBP : _bitness == 32 ? Register.EBP : Register.BP;
        return new MemoryOperand(baseReg, _rng.Next(DataSize - 8));
    }

    private int Imm(int size) => size switch
    {
        1 => _rng.Next(-128, 128),
        2 => _rng.Next(-32768, 32768),
        _ => _rng.Next(int.MinValue, int.MaxValue),
    };

    private static string S(int size) => (size * 8).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Code C(string name) => Enum.Parse<Code>(name);

    private void Add(Instruction instr)
    {
        if ((instr.RflagsRead & _undefined) != 0)
            Add(Instruction.Create(C($"Cmp_rm{S(Math.Min(_bitness, 32) / 8)}_r{S(Math.Min(_bitness, 32) / 8)}"), RandomReg(Math.Min(_bitness, 32) / 8), RandomReg(Math.Min(_bitness, 32) / 8)));
        _list.Add(instr);
        _undefined = (_undefined & ~instr.RflagsModified) | instr.RflagsUndefined;
    }

    private void EmitOne()
    {
        var size = Size();
        var sz = S(size);
        var ext = size == 8 ? "32" : sz;
        switch (_rng.Next(22))
        {
            case 0 or 1 or 2:
                {
                    var op = Alu[_rng.Next(Alu.Length)];
                    switch (_rng.Next(5))
                    {
                        case 0: Add(Instruction.Create(C($"{op}_rm{sz}_r{sz}"), RandomReg(size), RandomReg(size))); break;
                        case 1: Add(Instruction.Create(C($"{op}_rm{sz}_imm{ext}"), RandomReg(size), Imm(Math.Min(size, 4)))); break;
                        case 2: Add(Instruction.Create(C($"{op}_r{sz}_rm{sz}"), RandomReg(size), Mem(size))); break;
                        case 3: Add(Instruction.Create(C($"{op}_rm{sz}_r{sz}"), Mem(size), RandomReg(size))); break;
                        default: Add(Instruction.Create(C($"{op}_rm{sz}_imm{ext}"), Mem(size), Imm(Math.Min(size, 4)))); break;
                    }
                    break;
                }
            case 3:
                {
                    var op = new[] { "Inc", "Dec", "Neg", "Not" }[_rng.Next(4)];
                    Add(Rm(C($"{op}_rm{sz}"), size));
                    break;
                }
            case 4:
                Add(_rng.Next(2) == 0
                    ? Instruction.Create(C($"Test_rm{sz}_r{sz}"), RandomReg(size), RandomReg(size))
                    : Instruction.Create(C($"Test_rm{sz}_imm{ext}"), RandomReg(size), Imm(Math.Min(size, 4))));
                break;
            case 5 or 6:
                {
                    var op = Shifts[_rng.Next(Shifts.Length)];
                    var count = _rng.Next(1, size * 8);
                    if (_rng.Next(4) == 0)
                        Add(Instruction.Create(C($"{op}_rm{sz}_1"), RandomReg(size), 1));
                    else
                        Add(RmImm(C($"{op}_rm{sz}_imm8"), size, count));
                    break;
                }
            case 7 when size > 1:
                {
                    var op = _rng.Next(2) == 0 ? "Shld" : "Shrd";
                    Add(Instruction.Create(C($"{op}_rm{sz}_r{sz}_imm8"), RandomReg(size), RandomReg(size), _rng.Next(1, size * 8)));
                    break;
                }
            case 8:
                switch (_rng.Next(4))
                {
                    case 0: Add(Instruction.Create(C($"Mul_rm{sz}"), RandomReg(size))); break;
                    case 1: Add(Instruction.Create(C($"Imul_rm{sz}"), RandomReg(size))); break;
                    case 2 when size > 1: Add(Instruction.Create(C($"Imul_r{sz}_rm{sz}"), RandomReg(size), RandomReg(size))); break;
                    case 3 when size > 1: Add(Instruction.Create(C($"Imul_r{sz}_rm{sz}_imm8"), RandomReg(size), RandomReg(size), Imm(1))); break;
                }
                break;
            case 9:
                {
                    // Divide by a small positive divisor held in a register other than the accumulator pair.
                    int[] divisors = size == 1 && _bitness != 64 ? [1, 3] : _bitness == 64 ? [1, 3, 6, 7, 8, 9, 10] : [1, 3, 6, 7];
                    var idx = divisors[_rng.Next(divisors.Length)];
                    var divisor = Reg(size, idx);
                    var acc = Reg(size, 0);
                    Add(Instruction.Create(C($"And_rm{sz}_imm{ext}"), divisor, size == 1 ? 0x7F : 0x7FFF));
                    Add(Instruction.Create(C($"Or_rm{sz}_imm{ext}"), divisor, 1));
                    if (size == 1)
                        Add(Instruction.Create(C("Movzx_r16_rm8"), Register.AX, Register.AL));
                    else
                        Add(Instruction.Create(C($"Xor_rm{sz}_r{sz}"), Reg(size, 2), Reg(size, 2)));
                    var signed = _rng.Next(2) == 0;
                    if (signed && size > 1)
                    {
                        Add(Instruction.Create(C($"Shr_rm{sz}_1"), acc, 1));
                        Add(Instruction.Create(size switch { 2 => Code.Cwd, 4 => Code.Cdq, _ => Code.Cqo }));
                    }
                    Add(Instruction.Create(C($"{(signed && size > 1 ? "Idiv" : "Div")}_rm{sz}"), divisor));
                    break;
                }
            case 10 when size > 1:
                {
                    var op = new[] { "Bt", "Bts", "Btr", "Btc" }[_rng.Next(4)];
                    Add(_rng.Next(2) == 0
                        ? RmImm(C($"{op}_rm{sz}_imm8"), size, _rng.Next(256))
                        : Instruction.Create(C($"{op}_rm{sz}_r{sz}"), RandomReg(size), RandomReg(size)));
                    break;
                }
            case 11 when size > 1:
                {
                    var src = RandomReg(size);
                    Add(Instruction.Create(C($"Or_rm{sz}_imm{ext}"), src, Imm(1) | 0x10));
                    Add(Instruction.Create(C($"{(_rng.Next(2) == 0 ? "Bsf" : "Bsr")}_r{sz}_rm{sz}"), RandomReg(size), src));
                    break;
                }
            case 12:
                switch (_rng.Next(5))
                {
                    case 0 when size > 1: Add(Instruction.Create(C($"Movzx_r{sz}_rm8"), RandomReg(size), RandomReg(1))); break;
                    case 1 when size > 1: Add(Instruction.Create(C($"Movsx_r{sz}_rm8"), RandomReg(size), Mem(1))); break;
                    case 2 when size > 2: Add(Instruction.Create(C($"Movsx_r{sz}_rm16"), RandomReg(size), RandomReg(2))); break;
                    case 3 when size == 8: Add(Instruction.Create(Code.Movsxd_r64_rm32, RandomReg(8), RandomReg(4))); break;
                    default: Add(Instruction.Create(C($"Movzx_r{(size > 2 ? sz : "32")}_rm16"), RandomReg(size > 2 ? size : 4), Mem(2))); break;
                }
                break;
            case 13:
                switch (_rng.Next(4))
                {
                    case 0: Add(Instruction.Create(C($"Mov_rm{sz}_r{sz}"), Mem(size), RandomReg(size))); break;
                    case 1: Add(Instruction.Create(C($"Mov_r{sz}_rm{sz}"), RandomReg(size), Mem(size))); break;
                    case 2 when size == 8: Add(Instruction.Create(Code.Mov_r64_imm64, RandomReg(8), (ulong)_rng.NextInt64())); break;
                    default: Add(Instruction.Create(C($"Lea_r{(size == 1 ? "32" : sz)}_m"), RandomReg(size == 1 ? 4 : size), Mem(size))); break;
                }
                break;
            case 14:
                {
                    var op = new[] { "Xchg", "Xadd", "Cmpxchg" }[_rng.Next(3)];
                    // On success a 32-bit CMPXCHG leaves RAX alone (SDM CMPXCHG pseudo-code); QEMU/Unicorn rewrite
                    // EAX and so zero RAX[63:32]. The engine follows the SDM, so that case is not compared.
                    if (op == "Cmpxchg" && size == 4 && _bitness == 64)
                        op = "Xadd";
                    Add(RmReg(C($"{op}_rm{sz}_r{sz}"), size));
                    break;
                }
            case 15 when size >= 4:
                Add(Instruction.Create(C($"Bswap_r{sz}"), RandomReg(size)));
                break;
            case 16 when size > 1:
                Add(RegRm(C($"Cmov{Conditions[_rng.Next(16)]}_r{sz}_rm{sz}"), size));
                break;
            case 17:
                Add(Rm(C($"Set{Conditions[_rng.Next(16)]}_rm8"), 1));
                break;
            case 18:
                {
                    Code[] simple = _bitness == 64
                        ? [Code.Cbw, Code.Cwde, Code.Cdqe, Code.Cwd, Code.Cdq, Code.Cqo, Code.Lahf, Code.Sahf, Code.Clc, Code.Stc, Code.Cmc]
                        : [Code.Cbw, Code.Cwde, Code.Cwd, Code.Cdq, Code.Lahf, Code.Sahf, Code.Clc, Code.Stc, Code.Cmc,
                            Code.Daa, Code.Das, Code.Aaa, Code.Aas, Code.Aam_imm8, Code.Aad_imm8];
                    var code = simple[_rng.Next(simple.Length)];
                    // AAM/AAD take a divisor/multiplier; AAM by 0 is #DE, which the comparison does not cover.
                    Add(code is Code.Aam_imm8 or Code.Aad_imm8 ? Instruction.Create(code, _rng.Next(1, 256)) : Instruction.Create(code));
                    break;
                }
            case 19:
                {
                    var width = _bitness == 64 ? 8 : _bitness == 32 ? 4 : 2;
                    Add(Instruction.Create(C($"Push_r{S(width)}"), RandomReg(width)));
                    Add(Instruction.Create(C($"Pop_r{S(width)}"), RandomReg(width)));
                    break;
                }
            case 20:
                EmitString();
                break;
            case 21:
                if (size == 8)
                    Add(Instruction.Create(Code.Mov_r64_imm64, RandomReg(8), (ulong)_rng.NextInt64()));
                else
                    Add(Instruction.Create(C($"Mov_r{sz}_imm{sz}"), RandomReg(size), Imm(size)));
                break;
        }
    }

    private void EmitString()
    {
        var addr = _bitness == 16 ? 2 : 4;
        var a = S(addr);
        var baseReg = _bitness == 64 ? Register.RBP : _bitness == 32 ? Register.EBP : Register.BP;
        var si = addr == 2 ? Register.SI : Register.ESI;
        var di = addr == 2 ? Register.DI : Register.EDI;
        var cx = addr == 2 ? Register.CX : Register.ECX;
        Add(Instruction.Create(C($"Lea_r{a}_m"), si, new MemoryOperand(baseReg, _rng.Next(64))));
        Add(Instruction.Create(C($"Lea_r{a}_m"), di, new MemoryOperand(baseReg, _rng.Next(64, 128))));
        // A count of 0 leaves the flags alone although Iced lists CMPS/SCAS as writing them: keep it ≥ 1.
        Add(Instruction.Create(C($"Mov_r{a}_imm{a}"), cx, _rng.Next(1, 16)));
        var stringCode = _rng.Next(4) switch
        {
            0 => Instruction.CreateMovsb(addr * 8, Register.None, RepPrefixKind.Repe),
            1 => Instruction.CreateStosd(addr * 8, RepPrefixKind.Repe),
            2 => Instruction.CreateCmpsb(addr * 8, Register.None, RepPrefixKind.Repe),
            _ => Instruction.CreateScasw(addr * 8, RepPrefixKind.Repne),
        };
        Add(stringCode);
    }

    private Instruction Rm(Code code, int size)
        => _rng.Next(2) == 0 ? Instruction.Create(code, Mem(size)) : Instruction.Create(code, RandomReg(size));

    private Instruction RmImm(Code code, int size, int imm)
        => _rng.Next(3) == 0 ? Instruction.Create(code, Mem(size), imm) : Instruction.Create(code, RandomReg(size), imm);

    private Instruction RmReg(Code code, int size)
        => _rng.Next(2) == 0 ? Instruction.Create(code, Mem(size), RandomReg(size)) : Instruction.Create(code, RandomReg(size), RandomReg(size));

    private Instruction RegRm(Code code, int size)
        => _rng.Next(2) == 0 ? Instruction.Create(code, RandomReg(size), Mem(size)) : Instruction.Create(code, RandomReg(size), RandomReg(size));

    private static ulong ToRflags(RflagsBits bits)
    {
        ulong f = 0;
        if ((bits & RflagsBits.OF) != 0) f |= 1 << 11;
        if ((bits & RflagsBits.SF) != 0) f |= 1 << 7;
        if ((bits & RflagsBits.ZF) != 0) f |= 1 << 6;
        if ((bits & RflagsBits.AF) != 0) f |= 1 << 4;
        if ((bits & RflagsBits.CF) != 0) f |= 1 << 0;
        if ((bits & RflagsBits.PF) != 0) f |= 1 << 2;
        return f;
    }
}
