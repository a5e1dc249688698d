using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>
/// A given device tree (a unified kernel image's <c>.dtb</c>, or a caller's own DTB) made the one the kernel
/// boots with: every node and property kept, except what the boot itself decides. That is what happens to an
/// embedded DTB on arm64 UEFI: systemd-stub (src/boot/efi/stub.c) installs a non-empty <c>.dtb</c> section with
/// <c>devicetree_install_from_memory</c> as the EFI DTB configuration table in place of the firmware's, and the
/// kernel's EFI stub (drivers/firmware/efi/libstub/fdt.c <c>update_fdt</c>) then sets <c>/chosen/bootargs</c>,
/// <c>linux,initrd-start</c> / <c>linux,initrd-end</c> in it and drops its memory nodes, RAM being described by the EFI memory map instead. Without UEFI the memory nodes are
/// where the kernel learns its RAM (drivers/of/fdt.c <c>early_init_dt_scan_memory</c>), so here they are replaced
/// by the guest's RAM rather than dropped.
/// </summary>
public static class FdtRebase
{
    /// <summary>
    /// <paramref name="baseDtb"/> with its <c>device_type = "memory"</c> nodes replaced by one <c>memory@addr</c>
    /// node per region of <paramref name="memory"/> (2 address and 2 size cells, which the root must declare, as
    /// arm64 trees do), and <c>/chosen</c> (created if absent) carrying <paramref name="bootargs"/>, the initrd and
    /// <paramref name="rngSeed"/> in place of any it had. Memory reservations and <c>boot_cpuid_phys</c> are kept.
    /// </summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.InvalidMagic"/> / <see cref="LoaderError.InvalidDeviceTree"/> for a blob that is not a
    /// valid DTB, or whose root does not use 2/2 cells.
    /// </exception>
    public static byte[] Rebase(ReadOnlySpan<byte> baseDtb, IReadOnlyList<FdtRegion> memory, string bootargs, FdtRegion? initrd,
        ReadOnlyMemory<byte>? rngSeed)
    {
        var tree = FdtReader.Read(baseDtb);
        var root = tree.Root;
        // Devicetree spec v0.4 §2.3.5: #address-cells / #size-cells default to 2 / 1 when absent.
        var addressCells = root.FindProperty("#address-cells")?.AsU32() ?? 2;
        var sizeCells = root.FindProperty("#size-cells")?.AsU32() ?? 1;
        if (addressCells != 2 || sizeCells != 2)
            throw new LoaderException(LoaderError.InvalidDeviceTree,
                $"the DTB's root has #address-cells {addressCells} and #size-cells {sizeCells}; memory and initrd need 2 and 2 (arm64)");

        var w = new FdtWriter { BootCpuidPhys = tree.Header.BootCpuidPhys };
        foreach (var reservation in tree.MemoryReservations)
            w.AddMemoryReservation(reservation.Address, reservation.Size);
        w.BeginNode("");
        foreach (var property in root.Properties)
            w.Property(property.Name, property.Value.Span);
        var chosenWritten = false;
        foreach (var child in root.Children)
        {
            if (IsMemory(child))
                continue;
            if (child.Name == "chosen")
            {
                WriteChosen(w, child, bootargs, initrd, rngSeed);
                chosenWritten = true;
                continue;
            }
            Copy(w, child);
        }
        if (!chosenWritten)
            WriteChosen(w, null, bootargs, initrd, rngSeed);
        foreach (var bank in memory)
        {
            w.BeginNode($"memory@{bank.Address:x}");
            w.PropertyString("device_type", "memory");
            w.PropertyU64Array("reg", [bank.Address, bank.Size]);
            w.EndNode();
        }
        w.EndNode();
        return w.Finish();
    }

    /// <summary>drivers/of/fdt.c early_init_dt_scan_memory: a node is memory when its device_type is "memory".</summary>
    private static bool IsMemory(FdtNode node) =>
        node.FindProperty("device_type") is { } type && type.Value.Length > 0 && type.AsString() == "memory";

    private static void WriteChosen(FdtWriter w, FdtNode? chosen, string bootargs, FdtRegion? initrd, ReadOnlyMemory<byte>? rngSeed)
    {
        w.BeginNode("chosen");
        if (chosen is not null)
        {
            foreach (var property in chosen.Properties)
            {
                // The properties libstub's update_fdt sets (and an initrd or seed this boot does not have must not linger).
                if (property.Name is "bootargs" or "linux,initrd-start" or "linux,initrd-end" or "rng-seed")
                    continue;
                w.Property(property.Name, property.Value.Span);
            }
        }
        w.PropertyString("bootargs", bootargs);
        if (initrd is { } i)
        {
            // drivers/of/fdt.c early_init_dt_check_for_initrd reads both as cells; the end is exclusive.
            w.PropertyU64("linux,initrd-start", i.Address);
            w.PropertyU64("linux,initrd-end", i.Address + i.Size);
        }
        if (rngSeed is { } seed)
            w.Property("rng-seed", seed.Span);
        if (chosen is not null)
        {
            foreach (var child in chosen.Children)
                Copy(w, child);
        }
        w.EndNode();
    }

    private static void Copy(FdtWriter w, FdtNode node)
    {
        w.BeginNode(node.Name);
        foreach (var property in node.Properties)
            w.Property(property.Name, property.Value.Span);
        foreach (var child in node.Children)
            Copy(w, child);
        w.EndNode();
    }
}
