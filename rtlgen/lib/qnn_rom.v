// qnn library: qnn_rom
//
// Synchronous-read ROM with read enable, initialised with $readmemh from
// InitFile (one hex word per line, word 0 first). The read is registered:
// data_o shows mem[addr_i] from the cycle after a cycle with en_i = 1 and
// holds while en_i = 0. This is the block-RAM inference template of common
// synthesis tools. Style is the plan's choice (hw.MemStyle): 1 (block) sets
// rom_style = "block" (Yosys, Vivado), 2 (lut) sets logic_block for Yosys
// (LUT logic; a 64-deep ROM is one LUT6 per bit) and rom_style =
// "distributed" for every other tool (Vivado), 0 (auto) leaves it to the
// tool. (Yosys 0.23 reads rom_style = "distributed" as LUT RAM only, which
// it cannot map for a synchronous ROM, and prefers it over logic_block, so
// Yosys, which defines YOSYS, sees logic_block alone.)
//
// In simulation (SYNTHESIS not defined) the init file must exist and hold
// exactly Depth words: otherwise the ROM prints a line starting "FAIL:" and
// ends the simulation ($fatal when QNN_FATAL is defined, else $finish), so
// a wrong MemDir or a truncated file cannot pass as a ROM of zeros or X.
module qnn_rom #(
  parameter integer Depth     = 1,
  parameter integer Width     = 1,
  parameter integer AddrWidth = 1,  // must be max(1, $clog2(Depth))
  parameter         InitFile  = "",
  parameter integer Style     = 0   // 0 auto, 1 block, 2 lut
) (
  input  wire                 clk_i,
  input  wire                 en_i,
  input  wire [AddrWidth-1:0] addr_i,
  output wire [Width-1:0]     data_o
);

  // Parameter checks: a failing check instantiates a module that does not
  // exist, so elaboration stops with the check's name.
  generate
    if (Depth < 1 || Width < 1) begin : gen_check_shape
      qnn_param_error_rom_depth_and_width_must_be_positive u_param_error ();
    end
    if (AddrWidth != ((Depth > 1) ? $clog2(Depth) : 1)) begin : gen_check_addr
      qnn_param_error_rom_addr_width_must_be_clog2_depth u_param_error ();
    end
    if (Style < 0 || Style > 2) begin : gen_check_style
      qnn_param_error_rom_style_must_be_0_1_or_2 u_param_error ();
    end
  endgenerate

  // Block-RAM read port: the one register of this module loads only when
  // enabled (no reset, as block RAM output registers). No init file (the
  // library default) leaves the ROM uninitialised, so tools that elaborate
  // the unparameterised module (Yosys) accept it.
  reg [Width-1:0] data_q;

`ifndef SYNTHESIS
  // check_init_file: InitFile opens and holds exactly Depth hex words. It
  // counts words character by character ($fgetc), so that ROMs of any width
  // pass Verilator's 8192-bit limit on $fscanf arguments.
  task check_init_file;
    integer fd, ch, words, in_word;
    begin
      fd = $fopen(InitFile, "r");
      if (fd == 0) begin
        $display("FAIL: ROM %m: cannot open init file %0s (the top's MemDir parameter must name the design's mem/ directory)", InitFile);
        init_failed;
      end else begin
        words   = 0;
        in_word = 0;
        ch      = $fgetc(fd);
        while (ch != -1) begin
          if (ch == 32 || ch == 9 || ch == 10 || ch == 13) begin
            in_word = 0;
          end else if (in_word == 0) begin
            words   = words + 1;
            in_word = 1;
          end
          ch = $fgetc(fd);
        end
        $fclose(fd);
        if (words != Depth) begin
          $display("FAIL: ROM %m: init file %0s holds %0d words, want %0d", InitFile, words, Depth);
          init_failed;
        end
      end
    end
  endtask

  task init_failed;
    begin
`ifdef QNN_FATAL
      $fatal(1, "qnn_rom: bad init file");
`else
      $finish;
`endif
    end
  endtask
`endif

  // The three branches differ only in the attribute on the memory: a
  // Verilog-2005 attribute value cannot come from a parameter.
  generate
    if (Style == 1) begin : gen_block
      (* rom_style = "block" *) reg [Width-1:0] mem [0:Depth-1];
      if (InitFile != "") begin : gen_init
        initial begin
`ifndef SYNTHESIS
          check_init_file;
`endif
          $readmemh(InitFile, mem);
        end
      end
      always @(posedge clk_i) begin
        if (en_i) begin
          data_q <= mem[addr_i];
        end
      end
    end else if (Style == 2) begin : gen_lut
`ifdef YOSYS
      (* logic_block *) reg [Width-1:0] mem [0:Depth-1];
`else
      (* rom_style = "distributed" *) reg [Width-1:0] mem [0:Depth-1];
`endif
      if (InitFile != "") begin : gen_init
        initial begin
`ifndef SYNTHESIS
          check_init_file;
`endif
          $readmemh(InitFile, mem);
        end
      end
      always @(posedge clk_i) begin
        if (en_i) begin
          data_q <= mem[addr_i];
        end
      end
    end else begin : gen_auto
      reg [Width-1:0] mem [0:Depth-1];
      if (InitFile != "") begin : gen_init
        initial begin
`ifndef SYNTHESIS
          check_init_file;
`endif
          $readmemh(InitFile, mem);
        end
      end
      always @(posedge clk_i) begin
        if (en_i) begin
          data_q <= mem[addr_i];
        end
      end
    end
  endgenerate

  assign data_o = data_q;

endmodule
