using System.Reflection;
using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Arm64;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// Deterministic A64 words for decoder checks, and a stable text of a decoded instruction (handler by name,
/// maintenance operations by name rather than by their process-local number) to compare decoders by.
/// </summary>
internal static unsafe class A64DecodeSample
{
    private static readonly Dictionary<nint, string> HandlerNames = FindHandlers();

    /// <summary><paramref name="count"/> words from a fixed xorshift32 sequence: every encoding class, mostly unallocated.</summary>
    public static IEnumerable<uint> Uniform(int count, uint seed = 0x2545_F491)
    {
        var x = seed;
        for (var i = 0; i < count; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            yield return x;
        }
    }

    /// <summary>
    /// <paramref name="perRow"/> words inside every row's pattern, its free bits from the same fixed sequence,
    /// so each encoding and each UNDEFINED case its shape declines is reached.
    /// </summary>
    public static IEnumerable<uint> RowDirected(int perRow)
    {
        var random = Uniform(int.MaxValue, 0x9E37_79B9).GetEnumerator();
        foreach (var row in A64Decoder.Rows())
        {
            for (var i = 0; i < perRow; i++)
            {
                random.MoveNext();
                yield return row.Value | (random.Current & ~row.Mask);
            }
        }
    }

    /// <summary>Every aligned 32-bit little-endian word of <paramref name="image"/>.</summary>
    public static IEnumerable<uint> Words(byte[] image)
    {
        for (var i = 0; i + 4 <= image.Length; i += 4)
            yield return BitConverter.ToUInt32(image, i);
    }

    /// <summary>The committed arm64 entry-stub fixture image.</summary>
    public static byte[] FixtureStub() =>
        File.ReadAllBytes(Path.Combine(Support.DebianKernel.RepositoryRoot(), "fixtures", "generated", "arm64", "arm64-stub.Image"));

    /// <summary>The handler's "Class.Method" name.</summary>
    public static string HandlerName(in A64Instruction d) =>
        d.Handler == null ? "(none)" : HandlerNames.TryGetValue((nint)d.Handler, out var name) ? name : $"0x{(nint)d.Handler:x}";

    /// <summary>
    /// Every field of a decoded instruction as one line that is the same in every process: word, handler,
    /// Imm (maintenance operations and system registers by name), Imm2, Rd, Rn, Rm, Ra, Size, Op, Is64, Breakpoint.
    /// </summary>
    public static string Render(in A64Instruction d)
    {
        var handler = HandlerName(d);
        var imm = handler switch
        {
            "SystemInstructions.CacheMaintenance" or "SystemInstructions.Tlbi" => MaintenanceRegistry.Name((int)d.Imm).Replace(' ', '_'),
            "SystemInstructions.Mrs" or "SystemInstructions.Msr" => SystemRegisterTable.All[(int)d.Imm].Name,
            _ => $"{d.Imm:x}",
        };
        return $"{d.Word:x8} {handler} {imm} {d.Imm2:x} {d.Rd} {d.Rn} {d.Rm} {d.Ra} {d.Size} {d.Op} {(d.Is64 ? 1 : 0)} {(d.Breakpoint ? 1 : 0)}";
    }

    /// <summary>
    /// Whether two decoded instructions are identical in every field, handlers compared by name (a function
    /// pointer taken in another assembly need not be the same address).
    /// </summary>
    public static bool Same(in A64Instruction a, in A64Instruction b) =>
        HandlerName(a) == HandlerName(b) && a.Imm == b.Imm && a.Imm2 == b.Imm2 && a.Word == b.Word && a.Rd == b.Rd && a.Rn == b.Rn
        && a.Rm == b.Rm && a.Ra == b.Ra && a.Size == b.Size && a.Op == b.Op && a.Is64 == b.Is64 && a.Breakpoint == b.Breakpoint;

    private static Dictionary<nint, string> FindHandlers()
    {
        var names = new Dictionary<nint, string>();
        foreach (var type in typeof(A64Instruction).Assembly.GetTypes())
        {
            if (type.Namespace != typeof(A64Instruction).Namespace || !type.IsAbstract || !type.IsSealed)
                continue;
            foreach (var method in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            {
                var parameters = method.GetParameters();
                if (method.ReturnType != typeof(void) || parameters.Length != 2 || parameters[0].ParameterType != typeof(Arm64Cpu)
                    || parameters[1].ParameterType != typeof(A64Instruction).MakeByRefType())
                    continue;
                RuntimeHelpers.PrepareMethod(method.MethodHandle);
                names[method.MethodHandle.GetFunctionPointer()] = $"{type.Name}.{method.Name}";
            }
        }
        return names;
    }
}
