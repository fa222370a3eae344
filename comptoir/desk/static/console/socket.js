/* A live socket to the desk that reconnects by itself (network drop, desk restart).
 * ``onOpen`` runs on every (re)connection, so a page reloads whatever it may have
 * missed meanwhile; ``onFrame`` gets each frame but the keep-alive pings. */

const FIRST_DELAY_MS = 2000;
const MAX_DELAY_MS = 15000;

export function liveSocket(path, { onOpen, onFrame, keepGoing = () => true }) {
  let delay = FIRST_DELAY_MS;
  let socket = null;
  let stopped = false;

  function connect() {
    socket = new WebSocket(location.origin.replace(/^http/, "ws") + path);
    socket.onopen = () => {
      delay = FIRST_DELAY_MS;
      if (onOpen) onOpen();
    };
    socket.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (frame && frame.event !== "ping") onFrame(frame);
    };
    socket.onclose = () => {
      socket = null;
      if (stopped || !keepGoing()) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    };
  }

  connect();
  return {
    close() {
      stopped = true;
      if (socket) socket.close();
    },
  };
}
