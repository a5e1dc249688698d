using System.Buffers.Binary;
using System.Text;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// A minimal AML encoder (ACPI 6.5 §20.2, "AML Grammar Definition") for exactly the objects the modelled VMMs put in
/// their DSDTs: Scope, Device, Name, Method, If, Else, While, LEqual, LLess, Notify, Return, Store, Add, And, Or, ShiftLeft,
/// CreateDWordField, ToUUID buffers, method
/// calls, Mutex, Acquire, Release, OperationRegion and Field (<see cref="AmlField"/>), Package, Buffer, strings, and for
/// QEMU's DSDT LAnd, LNot, Subtract, Increment, SizeOf, Index, DerefOf, ToHexString, ToBuffer, Break, Debug and Processor,
/// integers, EISA IDs and resource templates. Each term is returned as its bytes; containers take their children's bytes. Integer and PkgLength
/// encodings follow the VMMs' own encoder (firecracker src/acpi-tables/src/aml.rs, from Cloud Hypervisor's
/// acpi_tables crate), so the bytes match theirs, not just their meaning.
/// </summary>
public static class Aml
{
    /// <summary><c>DefName := NameOp NameString DataRefObject</c> (§20.2.5.1).</summary>
    public static byte[] Name(string path, byte[] value) => [0x08, .. NameString(path), .. value];

    /// <summary>
    /// <c>DefScope := ScopeOp PkgLength NameString TermList</c>, ScopeOp = 0x10 (§20.2.5.1). The root scope <c>\</c> is
    /// the root prefix followed by NullName (0x00), as QEMU's hw/acpi/aml-build.c <c>aml_scope("\\")</c> writes it; pass <c>"\\"</c>.
    /// </summary>
    public static byte[] Scope(string path, params byte[][] children) =>
        [0x10, .. WithPkgLength([.. path == "\\" ? [(byte)'\\', (byte)0x00] : NameString(path), .. children.SelectMany(c => c)])];

    /// <summary><c>DefDevice := DeviceOp PkgLength NameString TermList</c>, DeviceOp = 0x5B 0x82 (§20.2.5.2).</summary>
    public static byte[] Device(string path, params byte[][] children) => [0x5B, 0x82, .. WithPkgLength([.. NameString(path), .. children.SelectMany(c => c)])];

    /// <summary><c>DefMethod := MethodOp PkgLength NameString MethodFlags TermList</c>; flags: ArgCount bits 0–2, SerializeFlag bit 3 (§20.2.5.2).</summary>
    public static byte[] Method(string path, byte argCount, bool serialized, params byte[][] body) =>
        [0x14, .. WithPkgLength([.. NameString(path), (byte)((argCount & 7) | (serialized ? 8 : 0)), .. body.SelectMany(c => c)])];

    /// <summary><c>DefIfElse := IfOp PkgLength Predicate TermList</c>, without Else (§20.2.5.3).</summary>
    public static byte[] If(byte[] predicate, params byte[][] body) => [0xA0, .. WithPkgLength([.. predicate, .. body.SelectMany(c => c)])];

    /// <summary>
    /// <c>DefElse := ElseOp PkgLength TermList</c>, ElseOp = 0xA1 (§20.2.5.3): emitted right after the <see cref="If"/> it
    /// belongs to, as crosvm's acpi_tables aml.rs <c>Else</c> writes it.
    /// </summary>
    public static byte[] Else(params byte[][] body) => [0xA1, .. WithPkgLength([.. body.SelectMany(c => c)])];

    /// <summary><c>DefOr := OrOp Operand Operand Target</c>, OrOp = 0x7D (§20.2.5.4).</summary>
    public static byte[] Or(byte[] left, byte[] right, byte[] target) => [0x7D, .. left, .. right, .. target];

    /// <summary>
    /// <c>DefCreateDWordField := CreateDWordFieldOp SourceBuff ByteIndex NameString</c>, CreateDWordFieldOp = 0x8A
    /// (§20.2.5.2): names the DWord at byte <paramref name="byteIndex"/> of <paramref name="source"/>.
    /// </summary>
    public static byte[] CreateDWordField(byte[] source, byte[] byteIndex, string name) => [0x8A, .. source, .. byteIndex, .. NameString(name)];

    /// <summary>
    /// ASL <c>ToUUID("aabbccdd-eeff-gghh-iijj-kkllmmnnoopp")</c> (§19.6.142): a 16-byte <see cref="Buffer"/> holding the
    /// first three groups little-endian (dd cc bb aa ff ee hh gg) and the last two in string order (ii jj kk … pp),
    /// as crosvm's aml.rs <c>Uuid::new</c> lays them out.
    /// </summary>
    public static byte[] ToUuid(string uuid)
    {
        if (uuid.Length != 36 || uuid[8] != '-' || uuid[13] != '-' || uuid[18] != '-' || uuid[23] != '-')
            throw new ArgumentException($"\"{uuid}\" is not a UUID string", nameof(uuid));
        var b = Convert.FromHexString(uuid.Replace("-", "", StringComparison.Ordinal));
        return Buffer([b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], .. b[8..]]);
    }

    /// <summary><c>DefLEqual := LequalOp Operand Operand</c> (§20.2.5.4).</summary>
    public static byte[] LEqual(byte[] left, byte[] right) => [0x93, .. left, .. right];

    /// <summary><c>DefNotify := NotifyOp NotifyObject NotifyValue</c> (§20.2.5.3).</summary>
    public static byte[] Notify(string path, byte[] value) => [0x86, .. NameString(path), .. value];

    /// <summary><c>DefReturn := ReturnOp ArgObject</c> (§20.2.5.3).</summary>
    public static byte[] Return(byte[] value) => [0xA4, .. value];

    /// <summary><c>LocalObj</c>: Local0Op (0x60) to Local7Op (§20.2.6.2).</summary>
    public static byte[] Local(int index) => index is >= 0 and <= 7 ? [(byte)(0x60 + index)] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>
    /// <c>DefStore := StoreOp TermArg SuperName</c>, StoreOp = 0x70 (§20.2.5.4): <paramref name="value"/> is stored
    /// into <paramref name="target"/>. Arguments in ASL order, not acpi_tables' <c>Store::new(name, value)</c> order.
    /// </summary>
    public static byte[] Store(byte[] value, byte[] target) => [0x70, .. value, .. target];

    /// <summary><c>DefAdd := AddOp Operand Operand Target</c>, AddOp = 0x72 (§20.2.5.4).</summary>
    public static byte[] Add(byte[] left, byte[] right, byte[] target) => [0x72, .. left, .. right, .. target];

    /// <summary><c>DefShiftLeft := ShiftLeftOp Operand ShiftCount Target</c>, ShiftLeftOp = 0x79 (§20.2.5.4).</summary>
    public static byte[] ShiftLeft(byte[] operand, byte[] count, byte[] target) => [0x79, .. operand, .. count, .. target];

    /// <summary><c>DefAnd := AndOp Operand Operand Target</c>, AndOp = 0x7B (§20.2.5.4).</summary>
    public static byte[] And(byte[] left, byte[] right, byte[] target) => [0x7B, .. left, .. right, .. target];

    /// <summary><c>DefLOr := LorOp Operand Operand</c>, LorOp = 0x91 (§20.2.5.4).</summary>
    public static byte[] LOr(byte[] left, byte[] right) => [0x91, .. left, .. right];

    /// <summary><c>DefLGreater := LgreaterOp Operand Operand</c>, LgreaterOp = 0x94 (§20.2.5.4).</summary>
    public static byte[] LGreater(byte[] left, byte[] right) => [0x94, .. left, .. right];

    /// <summary><c>DefShiftRight := ShiftRightOp Operand ShiftCount Target</c>, ShiftRightOp = 0x7A (§20.2.5.4).</summary>
    public static byte[] ShiftRight(byte[] operand, byte[] count, byte[] target) => [0x7A, .. operand, .. count, .. target];

    /// <summary><c>DefLLess := LlessOp Operand Operand</c>, LlessOp = 0x95 (§20.2.5.4).</summary>
    public static byte[] LLess(byte[] left, byte[] right) => [0x95, .. left, .. right];

    /// <summary><c>DefWhile := WhileOp PkgLength Predicate TermList</c>, WhileOp = 0xA2 (§20.2.5.3).</summary>
    public static byte[] While(byte[] predicate, params byte[][] body) => [0xA2, .. WithPkgLength([.. predicate, .. body.SelectMany(c => c)])];

    /// <summary>
    /// <c>Target := SuperName | NullName</c> (§20.2.5.4): NullName (0x00), the "no target" QEMU's hw/acpi/aml-build.c writes
    /// when an operator's result is used as an operand (<c>aml_or(a, b, NULL)</c>).
    /// </summary>
    public static readonly byte[] NoTarget = [0x00];

    /// <summary><c>DefLAnd := LandOp Operand Operand</c>, LandOp = 0x90 (§20.2.5.4).</summary>
    public static byte[] LAnd(byte[] left, byte[] right) => [0x90, .. left, .. right];

    /// <summary><c>DefLNot := LnotOp Operand</c>, LnotOp = 0x92 (§20.2.5.4); <c>LNot(LEqual(a, b))</c> is ASL's LNotEqual.</summary>
    public static byte[] LNot(byte[] operand) => [0x92, .. operand];

    /// <summary><c>DefSubtract := SubtractOp Operand Operand Target</c>, SubtractOp = 0x74 (§20.2.5.4).</summary>
    public static byte[] Subtract(byte[] left, byte[] right, byte[] target) => [0x74, .. left, .. right, .. target];

    /// <summary><c>DefIncrement := IncrementOp SuperName</c>, IncrementOp = 0x75 (§20.2.5.4).</summary>
    public static byte[] Increment(byte[] target) => [0x75, .. target];

    /// <summary><c>DefSizeOf := SizeOfOp SuperName</c>, SizeOfOp = 0x87 (§20.2.5.4).</summary>
    public static byte[] SizeOf(byte[] operand) => [0x87, .. operand];

    /// <summary><c>DefIndex := IndexOp BuffPkgStrObj IndexValue Target</c>, IndexOp = 0x88 (§20.2.5.4).</summary>
    public static byte[] Index(byte[] source, byte[] index, byte[]? target = null) => [0x88, .. source, .. index, .. target ?? NoTarget];

    /// <summary><c>DefDerefOf := DerefOfOp ObjReference</c>, DerefOfOp = 0x83 (§20.2.5.4).</summary>
    public static byte[] DerefOf(byte[] reference) => [0x83, .. reference];

    /// <summary><c>DefToHexString := ToHexStringOp Operand Target</c>, ToHexStringOp = 0x98 (§20.2.5.4).</summary>
    public static byte[] ToHexString(byte[] operand, byte[] target) => [0x98, .. operand, .. target];

    /// <summary><c>DefToBuffer := ToBufferOp Operand Target</c>, ToBufferOp = 0x96 (§20.2.5.4).</summary>
    public static byte[] ToBuffer(byte[] operand, byte[] target) => [0x96, .. operand, .. target];

    /// <summary><c>DefBreak := BreakOp</c>, BreakOp = 0xA5 (§20.2.5.3).</summary>
    public static byte[] Break() => [0xA5];

    /// <summary><c>DebugObj := DebugOp</c>, DebugOp = 0x5B 0x31 (§20.2.6.3): the target <c>Store(x, Debug)</c> prints to.</summary>
    public static byte[] Debug() => [0x5B, 0x31];

    /// <summary>
    /// <c>DefProcessor := ProcessorOp PkgLength NameString ProcID PblkAddr PblkLen</c>, ProcessorOp = 0x5B 0x83 (§20.2.5.2,
    /// deprecated since ACPI 6.4 but what QEMU's hw/acpi/aml-build.c <c>aml_processor</c> still writes): PblkAddr a DWordData.
    /// </summary>
    public static byte[] Processor(string path, byte id, uint pblkAddress, byte pblkLength, params byte[][] children) =>
        [0x5B, 0x83, .. WithPkgLength([.. NameString(path), id, (byte)pblkAddress, (byte)(pblkAddress >> 8), (byte)(pblkAddress >> 16),
            (byte)(pblkAddress >> 24), pblkLength, .. children.SelectMany(c => c)])];

    /// <summary>
    /// <c>DefPackage</c> with <paramref name="count"/> NumElements but only <paramref name="elements"/> given (none: an
    /// uninitialized package, ASL <c>Package (n) {}</c>), as QEMU's <c>aml_package(n)</c> writes it.
    /// </summary>
    public static byte[] PackageOfSize(byte count, params byte[][] elements) => [0x12, .. WithPkgLength([count, .. elements.SelectMany(e => e)])];

    /// <summary><c>MethodInvocation := NameString TermArgList</c> (§20.2.5.4): the name, then the arguments, no opcode.</summary>
    public static byte[] Call(string path, params byte[][] args) => [.. NameString(path), .. args.SelectMany(a => a)];

    /// <summary>A name used as a term (a <c>SimpleName</c>, §20.2.2): just its NameString.</summary>
    public static byte[] Path(string path) => NameString(path);

    /// <summary><c>DefMutex := MutexOp NameString SyncFlags</c>, MutexOp = 0x5B 0x01 (§20.2.5.2).</summary>
    public static byte[] Mutex(string path, byte syncLevel) => [0x5B, 0x01, .. NameString(path), syncLevel];

    /// <summary><c>DefAcquire := AcquireOp MutexObject Timeout</c>, AcquireOp = 0x5B 0x23, Timeout a WordData (§20.2.5.4).</summary>
    public static byte[] Acquire(string mutex, ushort timeout) => [0x5B, 0x23, .. NameString(mutex), (byte)timeout, (byte)(timeout >> 8)];

    /// <summary><c>DefRelease := ReleaseOp MutexObject</c>, ReleaseOp = 0x5B 0x27 (§20.2.5.3).</summary>
    public static byte[] Release(string mutex) => [0x5B, 0x27, .. NameString(mutex)];

    /// <summary>
    /// <c>DefBuffer := BufferOp PkgLength BufferSize ByteList</c> (§20.2.5.4) with the size as acpi_tables' <c>BufferData</c>
    /// writes it: a <see cref="CompactInteger"/> (so a one-byte buffer's size is OneOp).
    /// </summary>
    public static byte[] Buffer(params byte[] data) => [0x11, .. WithPkgLength([.. CompactInteger((ulong)data.Length), .. data])];

    /// <summary><c>ArgObj</c>: Arg0Op (0x68) to Arg6Op (§20.2.6.1).</summary>
    public static byte[] Arg(int index) => index is >= 0 and <= 6 ? [(byte)(0x68 + index)] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary><c>ByteConst := BytePrefix ByteData</c> (§20.2.3): the VMMs' encoder uses it even for 0 and 1, not ZeroOp/OneOp.</summary>
    public static byte[] Byte(byte value) => [0x0A, value];

    /// <summary><c>DWordConst := DWordPrefix DWordData</c> (§20.2.3).</summary>
    public static byte[] DWord(uint value)
    {
        var b = new byte[5];
        b[0] = 0x0C;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(1), value);
        return b;
    }

    /// <summary>The smallest of ByteConst, WordConst (0x0B), DWordConst and QWordConst (0x0E) that holds <paramref name="value"/> (aml.rs <c>impl Aml for Usize</c>).</summary>
    public static byte[] Integer(ulong value)
    {
        if (value <= byte.MaxValue)
            return Byte((byte)value);
        if (value <= ushort.MaxValue)
            return [0x0B, (byte)value, (byte)(value >> 8)];
        if (value <= uint.MaxValue)
            return DWord((uint)value);
        var b = new byte[9];
        b[0] = 0x0E;
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(1), value);
        return b;
    }

    /// <summary>
    /// An integer as rust-vmm's acpi_tables crate (0.2.1, src/aml.rs <c>impl Aml for Byte</c> … <c>QWord</c>) encodes
    /// it, the encoder Cloud Hypervisor uses: ZeroOp (0x00) for 0, OneOp (0x01) for 1, else the smallest constant.
    /// </summary>
    public static byte[] CompactInteger(ulong value) => value switch
    {
        0 => [0x00],
        1 => [0x01],
        _ => Integer(value),
    };

    /// <summary><c>String := StringPrefix AsciiCharList NullChar</c> (§20.2.3).</summary>
    public static byte[] String(string value) => [0x0D, .. Encoding.ASCII.GetBytes(value), 0];

    /// <summary>
    /// An EISA ID as the ASL <c>EISAID()</c> macro compresses it (§19.6.35): three letters of 5 bits and four hex
    /// digits, stored big-endian in a DWordConst.
    /// </summary>
    public static byte[] EisaId(string id)
    {
        if (id.Length != 7)
            throw new ArgumentException($"EISA ID \"{id}\" is not 7 characters", nameof(id));
        var value = ((uint)(id[0] - 0x40) << 26) | ((uint)(id[1] - 0x40) << 21) | ((uint)(id[2] - 0x40) << 16)
            | Convert.ToUInt32(id[3..], 16);
        return DWord(BinaryPrimitives.ReverseEndianness(value));
    }

    /// <summary><c>DefPackage := PackageOp PkgLength NumElements PackageElementList</c> (§20.2.5.4).</summary>
    public static byte[] Package(params byte[][] elements) => [0x12, .. WithPkgLength([(byte)elements.Length, .. elements.SelectMany(e => e)])];

    /// <summary>
    /// A ResourceTemplate: <c>DefBuffer := BufferOp PkgLength BufferSize ByteList</c> (§20.2.5.4) holding the
    /// descriptors, an End Tag (0x79) and a zero checksum ("treated as valid", §6.4.2.9).
    /// </summary>
    public static byte[] ResourceTemplate(params byte[][] descriptors)
    {
        byte[] list = [.. descriptors.SelectMany(d => d), 0x79, 0];
        return [0x11, .. WithPkgLength([.. Integer((ulong)list.Length), .. list])];
    }

    /// <summary>
    /// <c>NameString</c> (§20.2.2): an optional root prefix '\', then one NameSeg, or DualNamePrefix (0x2E) and
    /// two, or MultiNamePrefix (0x2F), a count and more. Every segment is four characters ("_SB_.COM1").
    /// </summary>
    public static byte[] NameString(string path)
    {
        var root = path.StartsWith('\\');
        var segments = path[(root ? 1 : 0)..].Split('.');
        if (segments.Any(s => s.Length != 4))
            throw new ArgumentException($"AML path \"{path}\" has a segment that is not 4 characters", nameof(path));
        var bytes = new List<byte>();
        if (root)
            bytes.Add((byte)'\\');
        if (segments.Length == 2)
            bytes.Add(0x2E);
        else if (segments.Length > 2)
            bytes.AddRange([0x2F, (byte)segments.Length]);
        foreach (var s in segments)
            bytes.AddRange(Encoding.ASCII.GetBytes(s));
        return [.. bytes];
    }

    /// <summary>
    /// <paramref name="body"/> preceded by its PkgLength (§20.2.4), which counts itself: one byte up to 63, else a
    /// lead byte with the byte count in bits 6–7 and the low nibble, then the rest. The size thresholds are aml.rs
    /// <c>create_pkg_length</c>'s (body under 63, 4094, 2^20 − 3 bytes).
    /// </summary>
    public static byte[] WithPkgLength(byte[] body)
    {
        var n = body.Length;
        var count = n < 63 ? 1 : n < 4094 ? 2 : n < (1 << 20) - 3 ? 3 : 4;
        var length = n + count;
        var result = new byte[count + n];
        if (count == 1)
            result[0] = (byte)length;
        else
        {
            result[0] = (byte)(((count - 1) << 6) | (length & 0xF));
            for (var i = 1; i < count; i++)
                result[i] = (byte)(length >> (4 + 8 * (i - 1)));
        }
        body.CopyTo(result, count);
        return result;
    }
}
