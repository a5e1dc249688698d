using System.Runtime.InteropServices;

namespace LoaderHarness.Loader.Boot.Configurator;

/// <summary>
/// Boot parameters a VMM built, with where each part goes in guest memory (linux-loader v0.14
/// configurator::BootParams): a header always written (zero page, hvm_start_info or DTB), optional sections
/// (the PVH memory map) and optional modules (the PVH modlist). A <see cref="IBootConfigurator"/> writes them.
/// </summary>
public sealed class BootParams
{
    /// <summary>A header of raw bytes to be written at <paramref name="headerStart"/>.</summary>
    public BootParams(ReadOnlySpan<byte> header, ulong headerStart)
    {
        Header = header.ToArray();
        HeaderStart = headerStart;
    }

    /// <summary>The "header section", written whatever the protocol.</summary>
    public byte[] Header { get; set; }
    /// <summary>Where <see cref="Header"/> goes.</summary>
    public ulong HeaderStart { get; set; }
    /// <summary>Optional sections (PVH: the memory map table), as bytes.</summary>
    public byte[]? Sections { get; private set; }
    /// <summary>Where <see cref="Sections"/> go.</summary>
    public ulong? SectionsStart { get; private set; }
    /// <summary>Optional modules (PVH: hvm_modlist_entry structs), as bytes.</summary>
    public byte[]? Modules { get; private set; }
    /// <summary>Where <see cref="Modules"/> go.</summary>
    public ulong? ModulesStart { get; private set; }

    /// <summary>linux-loader <c>BootParams::new</c>: the header is a fixed-layout struct's bytes.</summary>
    public static BootParams Create<T>(in T header, ulong headerStart) where T : unmanaged =>
        new(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in header)), headerStart);

    /// <summary>linux-loader <c>set_sections</c>: replaces the sections and their address.</summary>
    public void SetSections<T>(ReadOnlySpan<T> sections, ulong sectionsStart) where T : unmanaged
    {
        Sections = MemoryMarshal.AsBytes(sections).ToArray();
        SectionsStart = sectionsStart;
    }

    /// <summary>linux-loader <c>set_modules</c>: replaces the modules and their address.</summary>
    public void SetModules<T>(ReadOnlySpan<T> modules, ulong modulesStart) where T : unmanaged
    {
        Modules = MemoryMarshal.AsBytes(modules).ToArray();
        ModulesStart = modulesStart;
    }

    /// <summary>
    /// linux-loader <c>add_section</c>: puts <paramref name="section"/> at <paramref name="sectionAddress"/> (which
    /// must not precede the sections' start) or, when null, appends it. Returns where it went.
    /// </summary>
    /// <exception cref="BootConfiguratorException">MissingStartAddress, Overflow or InvalidAddress.</exception>
    public ulong AddSection<T>(in T section, ulong? sectionAddress = null) where T : unmanaged
    {
        var bytes = Sections ?? [];
        var start = SectionsStart;
        try
        {
            return AddBootParameterToList(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in section)), sectionAddress, ref bytes, ref start);
        }
        finally
        {
            // linux-loader get_or_insert(vec![]) makes the list exist even when the addition fails.
            (Sections, SectionsStart) = (bytes, start);
        }
    }

    /// <summary>linux-loader <c>add_module</c>: as <see cref="AddSection{T}"/>, for the modules.</summary>
    public ulong AddModule<T>(in T module, ulong? moduleAddress = null) where T : unmanaged
    {
        var bytes = Modules ?? [];
        var start = ModulesStart;
        try
        {
            return AddBootParameterToList(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in module)), moduleAddress, ref bytes, ref start);
        }
        finally
        {
            (Modules, ModulesStart) = (bytes, start);
        }
    }

    /// <summary>
    /// linux-loader <c>add_boot_parameter_to_list</c>: the list's start is set from the element's address if still
    /// unset; the element goes at its address or after the bytes so far; the list grows to hold it and its bytes
    /// replace what was there (an element may overlap, or cut short, the ones before it).
    /// </summary>
    internal static ulong AddBootParameterToList(ReadOnlySpan<byte> element, ulong? elementStart, ref byte[] accumulator, ref ulong? listStart)
    {
        listStart ??= elementStart;
        if (listStart is not { } start)
            throw new BootConfiguratorException(BootConfiguratorFailure.MissingStartAddress);
        ulong at;
        if (elementStart is { } given)
        {
            at = given;
        }
        else
        {
            at = start + (ulong)accumulator.Length;
            if (at < start)
                throw new BootConfiguratorException(BootConfiguratorFailure.Overflow);
        }
        if (at < start)
            throw new BootConfiguratorException(BootConfiguratorFailure.InvalidAddress);
        var offset = at - start;
        if (offset > (ulong)(Array.MaxLength - element.Length))
            throw new BootConfiguratorException(BootConfiguratorFailure.Overflow);
        var end = (int)offset + element.Length;
        if (end > accumulator.Length)
            Array.Resize(ref accumulator, end);
        element.CopyTo(accumulator.AsSpan((int)offset));
        return at;
    }
}
