// qnn library: qnn_framer
//
// s_axis framing check (docs/dataflow.md "Framing"). A frame is Beats
// beats with tlast on its last beat and only there. The framer counts the
// input handshakes of the frame being written (pos_q, the same count as
// MVTU 0's write position) and compares tlast with "this is beat
// Beats-1":
// - tlast on an earlier beat (early tlast): the frame is dropped at that
//   beat; the next beat starts a frame.
// - no tlast on beat Beats-1 (late or missing tlast): the frame is dropped
//   at that beat, and every following beat is discarded up to and
//   including the next beat with tlast; the beat after it starts a frame.
// abort_o (combinational: discard_q and tlast against pos_q) tells MVTU 0
// that the beat now offered belongs to no frame: on its handshake the
// input buffer discards the frame being written instead of completing it.
// Each dropped frame sets the sticky err_o and increments drops_o, which
// saturates at 2^DropBits - 1; both clear only on reset. s_axis_tready is
// not touched: well-formed streams run exactly as without the framer.
module qnn_framer #(
  parameter integer Beats    = 1,
  parameter integer DropBits = 16
) (
  input  wire                clk_i,
  input  wire                rst_ni,
  input  wire                valid_i,  // s_axis_tvalid
  input  wire                ready_i,  // s_axis_tready
  input  wire                last_i,   // s_axis_tlast
  output wire                abort_o,
  output wire                err_o,
  output wire [DropBits-1:0] drops_o
);

  generate
    if (Beats < 1) begin : gen_check_beats
      qnn_param_error_framer_beats_must_be_positive u_param_error ();
    end
    if (DropBits < 1 || DropBits > 64) begin : gen_check_drop_bits
      qnn_param_error_framer_drop_bits_must_be_1_to_64 u_param_error ();
    end
  endgenerate

  localparam integer         PosWidth      = (Beats > 1) ? $clog2(Beats) : 1;
  localparam integer         LastBeatIndex = Beats - 1;
  localparam [PosWidth-1:0]  LastBeat      = LastBeatIndex[PosWidth-1:0];
  localparam [PosWidth-1:0]  PosOne        = 1;
  localparam [DropBits-1:0]  DropsOne      = 1;

  reg [PosWidth-1:0] pos_q, pos_d;
  reg                discard_q, discard_d;
  reg                err_q, err_d;
  reg [DropBits-1:0] drops_q, drops_d;

  wire hs      = valid_i && ready_i;
  wire at_last = (pos_q == LastBeat);
  wire misplaced = (last_i != at_last);      // tlast early, or missing on beat Beats-1
  wire abort   = discard_q || misplaced;
  wire drop    = hs && !discard_q && misplaced;
  wire full    = &drops_q;

  always @(*) begin
    pos_d     = pos_q;
    discard_d = discard_q;
    err_d     = err_q;
    drops_d   = drops_q;
    if (hs) begin
      pos_d     = (abort || at_last) ? {PosWidth{1'b0}} : pos_q + PosOne;
      discard_d = abort && !last_i;
    end
    if (drop) begin
      err_d = 1'b1;
      if (!full) begin
        drops_d = drops_q + DropsOne;
      end
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      pos_q     <= {PosWidth{1'b0}};
      discard_q <= 1'b0;
      err_q     <= 1'b0;
      drops_q   <= {DropBits{1'b0}};
    end else begin
      pos_q     <= pos_d;
      discard_q <= discard_d;
      err_q     <= err_d;
      drops_q   <= drops_d;
    end
  end

  assign abort_o = abort;
  assign err_o   = err_q;
  assign drops_o = drops_q;

endmodule
