using System.Buffers.Binary;
using Iced.Intel;

namespace LoaderHarness.Emulator.Core.HostCode;

/// <summary>
/// Encodes an <see cref="Assembler"/>'s instructions in one pass, in place of <see cref="Assembler.Assemble"/>: a JMP or
/// Jcc back to a label already placed takes the short form when its displacement fits, every other branch to a label
/// the near form, whose 32-bit displacement is patched once the label is placed. Iced's <see cref="BlockEncoder"/>
/// shortens forward branches too, in passes over objects it makes for every instruction; on the PVH kernel's boot to
/// /init that was most of a block's translation time.
/// </summary>
internal sealed class CodeLayout : CodeWriter
{
    private const int Rel32 = 4;

    /// <summary>
    /// The thread's layout, which its next <see cref="Encode"/> empties and fills again with its buffers and encoder (the
    /// code is copied out before that): a layout, its label table and Iced's encoder made for every block were a quarter
    /// of what a block's translation allocated.
    /// </summary>
    [ThreadStatic]
    private static CodeLayout? _thread;

    private byte[] _code = new byte[8192];
    private int _length;
    private int[] _labels = [];
    private readonly List<(int At, int Label)> _fixups = [];
    private readonly Encoder _encoder;

    private CodeLayout() => _encoder = Encoder.Create(64, this);

    /// <summary>Empties the layout for a block whose labels are numbered below <paramref name="labels"/>.</summary>
    private void Begin(int labels)
    {
        if (_labels.Length < labels)
            _labels = new int[Math.Max(labels, _labels.Length * 2)];
        Array.Fill(_labels, -1, 0, labels);
        _length = 0;
        _fixups.Clear();
    }

    /// <summary>The encoded code, valid until the thread's next <see cref="Encode"/>.</summary>
    public ReadOnlySpan<byte> Code => _code.AsSpan(0, _length);

    /// <summary>The offset in <see cref="Code"/> of the instruction <paramref name="label"/> was placed at.</summary>
    public int OffsetOf(Label label) => _labels[label.Id];

    /// <summary>
    /// Encodes <paramref name="instructions"/> as <see cref="Assembler"/> left them: a label placed on an instruction is
    /// its IP, a branch's target is its label's ID.
    /// </summary>
    /// <exception cref="InvalidOperationException">An instruction cannot be encoded, or a branch names a label never placed.</exception>
    public static CodeLayout Encode(IReadOnlyList<Instruction> instructions)
    {
        ulong labels = 0;
        for (var i = 0; i < instructions.Count; i++)
        {
            var instruction = instructions[i];
            labels = Math.Max(labels, Math.Max(instruction.IP, instruction.Op0Kind == OpKind.NearBranch64 ? instruction.NearBranch64 : 0));
        }
        var layout = _thread ??= new CodeLayout();
        layout.Begin(checked((int)labels + 1));
        for (var i = 0; i < instructions.Count; i++)
        {
            var instruction = instructions[i];
            if (instruction.IP != 0)
                layout._labels[instruction.IP] = layout._length;
            layout.Add(ref instruction);
        }
        foreach (var (at, label) in layout._fixups)
        {
            var target = layout._labels[label];
            if (target < 0)
                throw new InvalidOperationException($"A branch names label {label}, never placed.");
            BinaryPrimitives.WriteInt32LittleEndian(layout._code.AsSpan(at), target - (at + Rel32));
        }
        return layout;
    }

    private void Add(ref Instruction instruction)
    {
        var at = (ulong)_length;
        if (instruction.Op0Kind != OpKind.NearBranch64)
        {
            Write(in instruction, at);
            return;
        }
        var label = (int)instruction.NearBranch64;
        var target = _labels[label];
        var shortens = instruction.IsJccShortOrNear || instruction.IsJmpShortOrNear;
        if (target >= 0 && shortens && target - (_length + 2) >= sbyte.MinValue) // a short JMP and Jcc are two bytes
        {
            instruction.Code = instruction.Code.ToShortBranch();
            instruction.NearBranch64 = (ulong)target;
            Write(in instruction, at);
            return;
        }
        instruction.Code = instruction.Code.ToNearBranch();
        instruction.NearBranch64 = at; // any target in range: the displacement is patched
        Write(in instruction, at);
        _fixups.Add((_length - Rel32, label));
    }

    private void Write(in Instruction instruction, ulong at)
    {
        if (!_encoder.TryEncode(in instruction, at, out _, out var error))
            throw new InvalidOperationException(error);
    }

    public override void WriteByte(byte value)
    {
        if (_length == _code.Length)
            Array.Resize(ref _code, _code.Length * 2);
        _code[_length++] = value;
    }
}
