// Test bench of qnn_input_buffer: random write gaps and read delays over 40
// frames, and random aborted beats (wr_abort_i, junk data) after which the
// writer restarts the frame it was writing; every read lane group (loaded
// in a cycle with rd_en_i = 1, seen the cycle after) must equal the frame
// written (pad element past Mw), in order, no aborted frame may be read,
// and the read register must hold through cycles with rd_en_i = 0. Style
// selects the buffer's build (registers, block RAM, LUT RAM). Prints PASS
// or FAIL.
// The parameters are overridden by qnn_input_buffer_deep_tb.
module qnn_input_buffer_tb #(
  parameter integer Mw = 5, XBits = 3, InWidth = 2, InBeats = 3, Simd = 2, Sf = 3, SfWidth = 2,
  parameter integer PadX = 5, Frames = 40, MaxCycles = 8000,
  parameter integer AbortMask = 7,  // a beat is aborted with probability 1/(AbortMask+1)
  parameter integer Style = 0,
  parameter         Name = "qnn_input_buffer_tb",
  parameter integer Standalone = 1  // 0: a wrapper reads done and errors and ends the run
);

  reg                      clk, rst_n;
  reg                      wr_valid;
  wire                     wr_ready;
  reg  [InWidth*XBits-1:0] wr_data;
  reg                      wr_abort;
  wire                     rd_full;
  reg                      rd_en;
  reg  [SfWidth-1:0]       rd_sf;
  wire [Simd*XBits-1:0]    rd_lanes;
  reg                      rd_release;

  qnn_input_buffer #(.Mw(Mw), .XBits(XBits), .InWidth(InWidth), .InBeats(InBeats),
                     .Simd(Simd), .Sf(Sf), .SfWidth(SfWidth), .PadX(PadX), .Framed(1), .Style(Style)) u_dut (
    .clk_i(clk), .rst_ni(rst_n), .wr_valid_i(wr_valid), .wr_ready_o(wr_ready),
    .wr_data_i(wr_data), .wr_abort_i(wr_abort), .rd_full_o(rd_full), .rd_en_i(rd_en), .rd_sf_i(rd_sf), .rd_lanes_o(rd_lanes),
    .rd_release_i(rd_release));

  reg [XBits-1:0] elems [0:Frames*InWidth*InBeats-1];  // every element written
  integer wbeat, rframe, errors, seed, i, e, pos, cycles;
  reg done = 1'b0;
  reg [Simd*XBits-1:0] want, held;
  reg                  check, wr_hs, rd_rel, rd_full_was;

  always #5 clk = !clk;

  initial begin
    seed = 4;
    errors = 0;
    for (i = 0; i < Frames * InWidth * InBeats; i = i + 1) elems[i] = $random(seed);
    clk = 0; rst_n = 0; wr_valid = 0; wr_data = 0; wr_abort = 0; rd_en = 0; rd_sf = 0; rd_release = 0;
    wbeat = 0; rframe = 0; cycles = 0;
    repeat (3) @(posedge clk);
    #1 rst_n = 1;
    while (rframe < Frames && cycles < MaxCycles) begin
      // Drive both sides for this cycle (after the previous edge).
      if (!wr_valid && wbeat < Frames * InBeats && ($random(seed) & 1)) begin
        wr_valid = 1;
        wr_abort = (($random(seed) & AbortMask) == 0);
        if (wr_abort) wr_data = $random(seed);
      end
      if (!wr_abort) begin
        for (e = 0; e < InWidth; e = e + 1) wr_data[e*XBits +: XBits] = elems[wbeat*InWidth + e];
      end
      rd_release = 0;
      rd_en = 0;
      check = 0;
      held = rd_lanes;
      #1;
      if (rd_full && ($random(seed) & 1)) begin
        for (e = 0; e < Simd; e = e + 1) begin
          pos = rd_sf * Simd + e;
          want[e*XBits +: XBits] = (pos < Mw) ? elems[(rframe*InBeats + pos/InWidth)*InWidth + pos%InWidth] : PadX;
        end
        rd_en = 1;
        check = 1;
        rd_release = (rd_sf == Sf - 1);
      end else begin
        rd_en = $random(seed) & 1;  // a read of no interest (or of an empty bank)
      end
      #1;
      // The handshakes of this cycle, as the buffer sees them at the edge.
      wr_hs       = wr_valid && wr_ready;
      rd_rel      = rd_full && rd_release;
      rd_full_was = rd_full;
      @(posedge clk);
      #1;
      if (check && rd_lanes !== want) begin
        errors = errors + 1;
        if (errors < 5) $display("FAIL frame %0d sf %0d: got %h want %h", rframe, rd_sf, rd_lanes, want);
      end
      if (!rd_en && rd_lanes !== held) begin
        errors = errors + 1;
        if (errors < 5) $display("FAIL read register changed with rd_en_i = 0: %h, held %h", rd_lanes, held);
      end
      if (wr_hs) begin
        // An aborted beat discards the frame being written: start it again.
        wbeat = wr_abort ? (wbeat / InBeats) * InBeats : wbeat + 1;
        wr_valid = 0;
        wr_abort = 0;
      end
      if (rd_rel) begin
        rframe = rframe + 1;
        rd_sf = 0;
      end else if (rd_full_was && cycles % 2 == 0) begin
        rd_sf = (rd_sf == Sf - 1) ? 0 : rd_sf + 1;
      end
      #1;
      cycles = cycles + 1;
    end
    if (rframe != Frames) begin
      errors = errors + 1;
      $display("FAIL read %0d of %0d frames", rframe, Frames);
    end
    done = 1;
    if (Standalone) begin
      if (errors == 0) $display("PASS %0s", Name);
      else $display("FAIL %0s: %0d errors", Name, errors);
      $finish;
    end
  end
endmodule
