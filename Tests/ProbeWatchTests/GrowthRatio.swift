/// How much longer `large` (four times the input of `small`) takes, best of three runs each: linear work
/// gives about 4, quadratic about 16. A ratio measured in one run, not a time: this VM's speed varies.
func growthRatio(small: () -> Void, large: () -> Void) -> Double {
    func best(_ work: () -> Void) -> Duration {
        (0..<3).map { _ in ContinuousClock().measure(work) }.min() ?? .zero
    }
    let smallTime = best(small)
    return smallTime > .zero ? best(large) / smallTime : 0
}
