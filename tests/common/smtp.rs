//! A real SMTP server on 127.0.0.1 for the tests (mailin-embedded, in process): it speaks SMTP
//! on a socket, keeps every message it accepted, and can be told to refuse with a given reply
//! at RCPT or at the end of DATA.

use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};

use mailin_embedded::{Handler, Response, Server, SslConfig};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

/// When and how the server refuses.
#[derive(Debug, Clone)]
pub enum Refuse {
    Never,
    AtRcpt(u16, String),
    /// At the DATA command. (Not after the message: mailin 0.6 then stays in its DATA state
    /// and never answers again, which is how the attempt timeout below was found.)
    AtData(u16, String),
    /// After the message, leaving the session wedged (see [`Refuse::AtData`]): a server that
    /// stops answering mid-transaction.
    AtDataEndThenHang(u16, String),
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    refuse: Mutex<Option<Refuse>>,
    sessions: Mutex<usize>,
}

/// Cloned per connection by mailin; per-message state lives in the clone.
#[derive(Clone)]
struct Collector {
    shared: Arc<Shared>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Collector {
    fn refusal(&self) -> Refuse {
        self.shared
            .refuse
            .lock()
            .unwrap()
            .clone()
            .unwrap_or(Refuse::Never)
    }
}

impl Handler for Collector {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        *self.shared.sessions.lock().unwrap() += 1;
        mailin_embedded::response::OK
    }

    fn rcpt(&mut self, _to: &str) -> Response {
        match self.refusal() {
            Refuse::AtRcpt(code, text) => Response::custom(code, text),
            _ => mailin_embedded::response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        if let Refuse::AtData(code, text) = self.refusal() {
            return Response::custom(code, text);
        }
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Refuse::AtDataEndThenHang(code, text) = self.refusal() {
            return Response::custom(code, text);
        }
        self.shared.received.lock().unwrap().push(Received {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
        });
        mailin_embedded::response::OK
    }
}

/// The running server. Its threads live until the test process ends.
pub struct SmtpServer {
    port: u16,
    shared: Arc<Shared>,
}

impl SmtpServer {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start() -> SmtpServer {
        SmtpServer::serve(TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
    }

    /// Starts a server on `port` (one that [`free_port`] gave, say).
    pub fn start_on(port: u16) -> SmtpServer {
        SmtpServer::serve(TcpListener::bind(("127.0.0.1", port)).expect("bind the given port"))
    }

    fn serve(listener: TcpListener) -> SmtpServer {
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        let handler = Collector {
            shared: shared.clone(),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = Server::new(handler);
        server
            .with_name("smtp.test")
            .with_ssl(SslConfig::None)
            .expect("no TLS")
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(e) = server.serve() {
                eprintln!("test SMTP server stopped: {e}");
            }
        });
        SmtpServer { port, shared }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Messages accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// SMTP sessions opened (one EHLO each).
    pub fn sessions(&self) -> usize {
        *self.shared.sessions.lock().unwrap()
    }

    pub fn refuse(&self, how: Refuse) {
        *self.shared.refuse.lock().unwrap() = Some(how);
    }
}

/// A port on 127.0.0.1 with nothing listening (bound, then released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}
