/// What each setting is called where the user wrote it, so that an error names what the user
/// can change: `rankDivisor` in a plan, `--rank-divisor` on the command line (whose table of
/// flags lives with the command line).
public struct RunSettingNames: Sendable {
    private let name: @Sendable (RunSetting) -> String

    public init(_ name: @escaping @Sendable (RunSetting) -> String) {
        self.name = name
    }

    public subscript(setting: RunSetting) -> String { name(setting) }

    /// A plan's keys (``RunSetting/key``).
    public static let planKeys = RunSettingNames { $0.key }
}
