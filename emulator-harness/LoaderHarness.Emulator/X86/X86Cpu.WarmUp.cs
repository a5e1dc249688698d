using System.Runtime.CompilerServices;
using Iced.Intel;
using LoaderHarness.Emulator.Core.HostCode;
using LoaderHarness.Emulator.X86.Tier2.HostCode;

namespace LoaderHarness.Emulator.X86;

public sealed partial class X86Cpu
{
    /// <summary>
    /// Starts building, on a thread of its own, the tables a run needs early and that take milliseconds to build: Iced's
    /// decoder tables and the handler table (the first instruction), and where hot code becomes host code Iced's encoder
    /// tables, built for every opcode it knows at the first compilation (8 % of perf's samples of the PVH boot to its first
    /// console line). Called while an image is loaded and its symbols recovered, the second core builds them meanwhile
    /// (that boot's engine time went from 68–70 ms to 66–67 ms); code that needs a table before it is built waits for it,
    /// as for any class constructor.
    /// </summary>
    public static void WarmUp()
    {
        var thread = new Thread(() =>
        {
            var decoder = Decoder.Create(64, new ByteArrayCodeReader([0x48, 0x01, 0xD8])); // ADD RAX, RBX (SDM Vol. 2A ADD 01 /r)
            decoder.Decode(out var add);
            RuntimeHelpers.RunClassConstructor(typeof(DispatchTable).TypeHandle);
            if (!RuntimeFeature.IsDynamicCodeSupported && ExecutableCode.IsSupported)
                CodeLayout.Encode([add]);
        })
        {
            IsBackground = true,
            Name = "x86 warm-up",
        };
        thread.Start();
    }
}
