namespace LoaderHarness.Tests.Support;

/// <summary>
/// A QEMU 7.2 machine the oracle boots kernels in (TCG, headless): the binary, the Debian package that has it,
/// the machine options, and the kernel's name for the serial port QEMU connects to the log.
/// </summary>
/// <param name="Name">Short name for test output.</param>
/// <param name="Binary">The system emulator on PATH.</param>
/// <param name="AptPackage">Debian package providing <paramref name="Binary"/>.</param>
/// <param name="MachineArguments">-M and -cpu options.</param>
/// <param name="Console">console= for the kernel command line.</param>
internal sealed record QemuMachine(string Name, string Binary, string AptPackage, IReadOnlyList<string> MachineArguments, string Console)
{
    /// <summary>
    /// The i440FX PC (firmware SeaBIOS, which boots a bzImage through QEMU's linuxboot option ROM, 64-bit
    /// boot protocol via the 16-bit entry); 8250 at 0x3F8 = ttyS0; ACPI, so power-off ends QEMU.
    /// </summary>
    public static QemuMachine Pc { get; } = new("pc", "qemu-system-x86_64", "qemu-system-x86", ["-M", "pc"], "ttyS0");

    /// <summary>
    /// microvm (docs/system/i386/microvm.rst): an ELF vmlinux with the Xen PVH note is entered at its PVH entry
    /// (QEMU's pvh.bin option ROM via qboot). acpi=off: with ACPI tables, Debian's 6.1 kernel stops after "tsc:
    /// Marking TSC unstable" under TCG (no HPET/PM timer to calibrate against); without them it boots, takes
    /// its interrupt routing from the MP table, and the reboot syscall's power-off becomes a halt
    /// (kernel/reboot.c: no pm_power_off), so QEMU keeps running until the oracle stops it.
    /// </summary>
    public static QemuMachine Microvm { get; } = new("microvm", "qemu-system-x86_64", "qemu-system-x86", ["-M", "microvm,acpi=off"], "ttyS0");

    /// <summary>
    /// microvm as it comes (ACPI on): QEMU builds its ACPI tables (hw/i386/acpi-microvm.c) and qboot installs them; the
    /// oracle for the tables and for what qboot hands over with them. Only stopped early through the gdbstub: Debian's 6.1
    /// kernel does not boot to the end under TCG with them (see <see cref="Microvm"/>).
    /// </summary>
    public static QemuMachine MicrovmAcpi { get; } = new("microvm-acpi", "qemu-system-x86_64", "qemu-system-x86", ["-M", "microvm"], "ttyS0");

    /// <summary>
    /// The arm64 virt board with a Cortex-A57: the raw Image entered per Documentation/arch/arm64/booting.rst
    /// with a DTB, PL011 at 0x0900_0000 = ttyAMA0, PSCI SYSTEM_OFF ends QEMU.
    /// </summary>
    public static QemuMachine VirtArm64 { get; } = new("virt", "qemu-system-aarch64", "qemu-system-arm", ["-M", "virt", "-cpu", "cortex-a57"], "ttyAMA0");
}
