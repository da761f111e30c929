import JailbirdCLI

@main
struct JailbirdMain {
    static func main() {
        JailbirdCommand.main()
    }
}
