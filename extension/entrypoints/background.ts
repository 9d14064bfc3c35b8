export default defineBackground(() => {
  // wiring filled in by lib/messaging
});
