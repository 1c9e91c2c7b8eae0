/// A run specification that cannot be run, as a sentence naming the settings at fault the way
/// the user wrote them (``RunSettingNames``): `--rank-divisor must be a number of at least 1,
/// found 0.5` on the command line, `rankDivisor must be …` for a plan, which also points at
/// the key's place in the plan with `setting`.
public struct RunSpecificationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The setting to change, or nil when the problem lies in the model as a whole.
    public var setting: RunSetting?
    public var message: String

    public init(_ setting: RunSetting?, _ message: String) {
        self.setting = setting
        self.message = message
    }

    public var description: String { message }
}
