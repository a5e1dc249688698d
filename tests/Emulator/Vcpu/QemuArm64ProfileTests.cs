using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu;

/// <summary>
/// The arm64 <c>qemu</c> profile against QEMU 7.2 <c>-M virt -cpu cortex-a57 -m 512</c> itself: where hw/arm/boot.c
/// puts the initrd and DTB, QEMU's boot stub, the DTB byte for byte (dumpdtb) and the registers at the kernel's
/// entry (gdbstub). The fixture entry stub stands in for a kernel: QEMU loads any arm64 Image alike.
/// </summary>
[TestFixture]
public class QemuArm64ProfileTests
{
    private const string CommandLine = "console=ttyAMA0 earlycon";
    private const ulong Ram = 512UL << 20;

    private static string Fixture(string folder, string name) => Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", folder, name);

    private static string KernelPath => Fixture(Arm64FixtureKernels.Folder, Arm64FixtureKernels.EntryStub);

    private static string InitrdPath => Fixture(FixtureInitramfs.Folder, FixtureInitramfs.Arm64);

    private static (GuestMemory Memory, GuestSetupResult Guest) Setup()
    {
        var profile = VmmProfiles.QemuArm64;
        var memory = profile.CreateMemory(Ram);
        var guest = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(File.ReadAllBytes(KernelPath)),
            Initrd = File.ReadAllBytes(InitrdPath),
            CommandLine = CommandLine,
        }));
        return (memory, guest);
    }

    [Test]
    public void Places_the_image_at_2_mib_the_initrd_at_128_mib_and_the_dtb_on_the_next_2_mib_boundary()
    {
        var (_, guest) = Setup();
        guest.Entry.ShouldBe(0x4020_0000UL, "load_aarch64_image: text_offset 0 < BOOTLOADER_MAX_SIZE, so RAM + 2 MiB");
        guest.Initrd.ShouldNotBeNull().Address.ShouldBe(0x4800_0000UL, "RAM + MIN(512 MiB / 2, 128 MiB)");
        guest.BootStructureAddress.ShouldBe(0x4820_0000UL, "QEMU_ALIGN_UP(initrd end, 2 MiB)");
    }

    [Test]
    public void Qemus_boot_stub_enters_the_kernel_with_x0_the_dtb_and_x4_the_entry()
    {
        var (memory, guest) = Setup();
        var cpu = (Arm64Cpu)VcpuSetup.Create(memory, guest, VmmProfiles.QemuArm64);
        memory.ReadU32(0x4000_0000).ShouldBe(0x5800_00C0u, "bootloader_aarch64 at loader_start: ldr x0, arg");
        memory.ReadU64(0x4000_0018).ShouldBe(guest.BootStructureAddress, "FIXUP_ARGPTR");
        cpu.TotalInstructions.ShouldBe(6UL, "the stub ran as part of vCPU setup");
        cpu.Pc.ShouldBe(guest.Entry);
        cpu[0].ShouldBe(guest.BootStructureAddress);
        cpu[4].ShouldBe(guest.Entry);
        (cpu[1] | cpu[2] | cpu[3]).ShouldBe(0UL);
    }

    [Test]
    [Category("Qemu")]
    public void The_dtb_is_qemus_dumpdtb_byte_for_byte_but_for_the_random_seeds()
    {
        var (_, guest) = Setup();
        var qemu = QemuArm64Probe.DumpDtb("512M", KernelPath, InitrdPath, CommandLine);
        // /chosen/rng-seed and kaslr-seed are fresh random bytes on every QEMU run (virt.c create_fdt): zeroed in both.
        // libfdt's setprop copies a value without clearing the pad to the next 4-byte boundary, so QEMU's pad bytes
        // hold whatever the buffer held (a stale cell after "linux,dummy-virt"): zeroed in both too.
        var ours = Normalised(guest.BootStructure.ToArray());
        qemu = Normalised(qemu);
        ours.Length.ShouldBe(qemu.Length, "totalsize: virt.c FDT_MAX_SIZE");
        var first = ours.AsSpan().CommonPrefixLength(qemu);
        first.ShouldBe(ours.Length, $"first difference at 0x{first:x}");
    }

    [Test]
    [Category("Qemu")]
    public void Reaches_the_kernel_entry_with_qemus_registers()
    {
        var (memory, guest) = Setup();
        var qemu = QemuArm64Probe.RegistersAt("512M", KernelPath, InitrdPath, CommandLine, guest.Entry);
        var cpu = (Arm64Cpu)VcpuSetup.Create(memory, guest, VmmProfiles.QemuArm64);
        cpu.Pc.ShouldBe(qemu["pc"]);
        cpu.Pstate.ShouldBe(qemu["cpsr"], "EL1h, DAIF masked, Z set by QEMU's reset");
        for (var i = 0; i <= 5; i++)
            cpu[i].ShouldBe(qemu[$"x{i}"], $"x{i}");
    }

    /// <summary>Zeroes the values of every <c>rng-seed</c> and <c>kaslr-seed</c> property and every property's padding (DT spec v0.4 §5.4 tokens).</summary>
    private static byte[] Normalised(byte[] blob)
    {
        var structure = (int)BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(8));
        var strings = (int)BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(12));
        var p = structure;
        while (true)
        {
            var token = BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(p));
            p += 4;
            switch (token)
            {
                case 1: // FDT_BEGIN_NODE
                    p = (Array.IndexOf(blob, (byte)0, p) + 4) & ~3;
                    break;
                case 3: // FDT_PROP
                    var length = (int)BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(p));
                    var nameOffset = strings + (int)BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(p + 4));
                    var name = Encoding.ASCII.GetString(blob, nameOffset, Array.IndexOf(blob, (byte)0, nameOffset) - nameOffset);
                    if (name is "rng-seed" or "kaslr-seed")
                        blob.AsSpan(p + 8, length).Clear();
                    var end = (p + 8 + length + 3) & ~3;
                    blob.AsSpan(p + 8 + length, end - (p + 8 + length)).Clear();
                    p = end;
                    break;
                case 9: // FDT_END
                    return blob;
            }
        }
    }
}
