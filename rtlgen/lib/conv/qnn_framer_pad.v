// qnn library: qnn_framer_pad
//
// s_axis framing of a conv-first network (docs/dataflow.md "Framing of
// conv-first networks"). A frame is Beats beats with tlast on its last
// beat and only there. The first stage (a window generator or width
// converter) cannot discard a partial frame, so the framer passes every
// packet on as exactly one whole frame of Beats beats:
// - tlast on beat j < Beats-1 (early tlast): beat j is passed on, then the
//   framer itself offers Beats-1-j filler beats (data 0) while s_axis is
//   held (ready_o = 0);
// - no tlast on beat Beats-1 (late or missing tlast): that beat completes
//   the frame, and every following beat up to and including the next one
//   with tlast is taken (ready_o = 1) and discarded.
// With the frame's last beat to the first stage, flag_push_o pushes the
// frame's flag into the output stage's bad-flag queue (flag_bad_o: the
// frame was malformed); the output stage suppresses the results of bad
// frames. pos_q counts the beats passed on in the frame. Each malformed
// packet sets the sticky err_o and increments drops_o (saturating at
// 2^DropBits - 1) once, one cycle after the handshake of the beat that
// shows it malformed. Without malformed packets valid_o, ready_o and
// data_o are s_axis's and the first stage's own: timing is unchanged.
module qnn_framer_pad #(
  parameter integer Beats    = 1,
  parameter integer DropBits = 16,
  parameter integer Width    = 1   // data bits per beat
) (
  input  wire                clk_i,
  input  wire                rst_ni,
  input  wire                valid_i,  // s_axis_tvalid
  output wire                ready_o,  // s_axis_tready
  input  wire                last_i,   // s_axis_tlast
  input  wire [Width-1:0]    data_i,
  output wire                valid_o,  // to the first stage
  input  wire                ready_i,
  output wire [Width-1:0]    data_o,
  output wire                flag_push_o,
  output wire                flag_bad_o,
  output wire                err_o,
  output wire [DropBits-1:0] drops_o
);

  generate
    if (Beats < 1) begin : gen_check_beats
      qnn_param_error_framer_pad_beats_must_be_positive u_param_error ();
    end
    if (DropBits < 1 || DropBits > 64) begin : gen_check_drop_bits
      qnn_param_error_framer_pad_drop_bits_must_be_1_to_64 u_param_error ();
    end
    if (Width < 1) begin : gen_check_width
      qnn_param_error_framer_pad_width_must_be_positive u_param_error ();
    end
  endgenerate

  localparam integer         PosWidth      = (Beats > 1) ? $clog2(Beats) : 1;
  localparam integer         LastBeatIndex = Beats - 1;
  localparam [PosWidth-1:0]  LastBeat      = LastBeatIndex[PosWidth-1:0];
  localparam [PosWidth-1:0]  PosOne        = 1;
  localparam [DropBits-1:0]  DropsOne      = 1;

  reg [PosWidth-1:0] pos_q, pos_d;
  reg                pad_q, pad_d;
  reg                discard_q, discard_d;
  reg                err_q, err_d;
  reg [DropBits-1:0] drops_q, drops_d;

  wire at_last   = (pos_q == LastBeat);
  wire out_valid = pad_q || (valid_i && !discard_q);
  wire out_hs    = out_valid && ready_i;
  wire in_hs     = valid_i && !pad_q && (discard_q || ready_i);
  wire misplaced = (last_i != at_last);      // tlast early, or missing on beat Beats-1
  wire drop      = out_hs && !pad_q && misplaced;
  wire full      = &drops_q;

  always @(*) begin
    pos_d     = pos_q;
    pad_d     = pad_q;
    discard_d = discard_q;
    err_d     = err_q;
    drops_d   = drops_q;
    if (out_hs) begin
      pos_d = at_last ? {PosWidth{1'b0}} : pos_q + PosOne;
      if (pad_q) begin
        pad_d = !at_last;
      end else begin
        pad_d     = last_i && !at_last;
        discard_d = !last_i && at_last;
      end
    end else if (in_hs && discard_q) begin
      discard_d = !last_i;
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
      pad_q     <= 1'b0;
      discard_q <= 1'b0;
      err_q     <= 1'b0;
      drops_q   <= {DropBits{1'b0}};
    end else begin
      pos_q     <= pos_d;
      pad_q     <= pad_d;
      discard_q <= discard_d;
      err_q     <= err_d;
      drops_q   <= drops_d;
    end
  end

  assign ready_o     = !pad_q && (discard_q || ready_i);
  assign valid_o     = out_valid;
  assign data_o      = pad_q ? {Width{1'b0}} : data_i;
  assign flag_push_o = out_hs && at_last;
  assign flag_bad_o  = pad_q || !last_i;
  assign err_o       = err_q;
  assign drops_o     = drops_q;

endmodule
